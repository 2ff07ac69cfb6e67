import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A cluster inside one embedded engine, for the cluster tests: a remote_servers
 * config whose only shard is this very process (tcp_port 9000 in the config
 * makes localhost:9000 count as local), so Distributed tables work without a
 * server. Replication and distributed DDL need ClickHouse Keeper, which chDB
 * has not: `withoutKeeper` drops `ON CLUSTER` and turns `Replicated*MergeTree`
 * into `*MergeTree` (the replicated engine only changes how parts reach the
 * other replicas, never what a query returns).
 */
export const TEST_CLUSTER = 'loopmeter_test';

/** Writes the config file; it must be given to the first Session opened on the data directory (`--config-file=`). */
export function writeClusterConfig(prefix: string): string {
	const file = join(mkdtempSync(join(tmpdir(), prefix)), 'cluster.xml');
	writeFileSync(
		file,
		`<clickhouse>
	<tcp_port>9000</tcp_port>
	<remote_servers>
		<${TEST_CLUSTER}><shard><replica><host>localhost</host><port>9000</port></replica></shard></${TEST_CLUSTER}>
	</remote_servers>
</clickhouse>`
	);
	return file;
}

/** A statement rendered for the cluster, minus the two things that need Keeper (see above). */
export function withoutKeeper(statement: string): string {
	return statement.replaceAll(` ON CLUSTER '${TEST_CLUSTER}'`, '').replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(?:, )?/g, '$1(');
}
