import { Session } from 'chdb';
import { describe, expect, it } from 'vitest';
import { DAY_TABLE_SOURCES } from '../../src/lib/server/metrics/day-tables.js';
import { currentWatermark } from '../../src/lib/server/metrics/day-table-changes.js';
import { command, getWarehouse, query } from '../../src/lib/server/warehouse/index.js';
import { migrate } from '../../src/lib/server/warehouse/migrate.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { dayTableSuite } from '../helpers/day-tables-suite.js';
import { TEST_CLUSTER, withoutKeeper, writeClusterConfig } from '../helpers/chdb-cluster.js';

/*
 * Day tables on a cluster, in chDB (the way tests/integration/cluster.test.ts
 * runs the metric SQL there): a remote_servers config whose one shard is this
 * very process, and the warehouse told it is on that cluster, so that the
 * migrations render `<t>_local` + Distributed `<t>` and the day tables are
 * kept the cluster's way (day-table-ddl.ts). Without ClickHouse Keeper, every
 * statement is sent as cluster.test.ts sends the migrations: `ON CLUSTER`
 * dropped, `Replicated*MergeTree(path, replica, …)` as `*MergeTree(…)`.
 * Then the same tests as day-tables.test.ts run on that schema: every metric
 * reading a day table against its file on the raw (Distributed) tables, a new
 * day, late data for an old day, a repeated load.
 *
 * What this cannot show: a second shard (two local shards are the same local
 * table, every row read twice; a shard on another database is not local to
 * chDB), replication (waiting for replicas, SYSTEM SYNC REPLICA, is skipped
 * for tables that are not replicated), distributed DDL, and the send queue of
 * asynchronous Distributed inserts (an insert into a local shard is written at
 * once). docs/day-tables.md says how each is handled.
 */
const CLUSTER = TEST_CLUSTER;
const { dataDir } = useTempWarehouse('loopmeter-cluster-day-tables-');
const configFile = writeClusterConfig('loopmeter-cluster-day-tables-config-');

const sent: string[] = [];

async function openClustered(): Promise<void> {
	// Must come first: the config file is read when the engine loads this path.
	new Session(dataDir, { connectionArgs: [`--config-file=${configFile}`] });
	const wh = await getWarehouse({ role: 'vitest', migrate: false });
	wh.cluster = CLUSTER;
	const send = wh.client.command.bind(wh.client);
	wh.client.command = (params) => {
		sent.push(params.query);
		return send({ ...params, query: withoutKeeper(params.query) });
	};
	// As the server client and deploy/clickhouse/users.xml set them on a cluster.
	await command(`SET distributed_product_mode = 'global'`, { tag: 'cluster-day-tables-test' });
	await command('SET distributed_foreground_insert = 1', { tag: 'cluster-day-tables-test' });
	await migrate(wh);
}

dayTableSuite({ open: openClustered, local: (table) => `${table}_local` });

// After the suite: by then every kind of build and swap has run.
describe('day tables on the clustered schema', () => {
	it('keeps each as a Distributed table over a _local twin, sharded by user where its rows have one, by month otherwise', async () => {
		await getWarehouse();
		const rows = await query<{ name: string; engine: string; engine_full: string }>(
			`SELECT name, engine, engine_full FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'day_')`,
			{ tag: 'cluster-day-tables-test' }
		);
		const byName = new Map(rows.map((r) => [r.name, r]));
		for (const source of DAY_TABLE_SOURCES) {
			const table = byName.get(`day_${source}`);
			expect(table?.engine, `day_${source}`).toBe('Distributed');
			expect(byName.get(`day_${source}_local`)?.engine, `day_${source}_local`).toBe('MergeTree');
			const [{ n } = { n: '0' }] = await query<{ n: string }>(
				`SELECT toString(count()) AS n FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND name = 'user_id'`,
				{ tag: 'cluster-day-tables-test', params: { t: `day_${source}_local` } }
			);
			expect(table!.engine_full, `day_${source} shard key`).toContain(Number(n) > 0 ? 'cityHash64(user_id)' : 'toYYYYMM(day)');
		}
		expect(byName.get('day_state_first_creator')?.engine).toBe('Distributed');
		expect(byName.get('day_state_first_creator')?.engine_full).toContain('cityHash64(user_id)');
		// Nothing but the built tables and their twins is left behind (stages, next builds, deltas dropped).
		expect(rows.map((r) => r.name).filter((n) => /_(stage|next|delta)(_local)?$/.test(n))).toEqual([]);
	});

	it('was built and swapped with cluster statements (ON CLUSTER, replicated local tables, foreground inserts)', () => {
		expect(sent.some((s) => /^CREATE TABLE day_\w+_local ON CLUSTER 'loopmeter_test' .* ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/day_/s.test(s))).toBe(true);
		expect(sent.some((s) => /^ALTER TABLE day_\w+_local ON CLUSTER 'loopmeter_test' REPLACE PARTITION \d{6} FROM day_\w+_stage_local/.test(s))).toBe(true);
		expect(sent.some((s) => /^EXCHANGE TABLES day_\w+_next_local AND day_\w+_local ON CLUSTER/.test(s) || /^RENAME TABLE day_\w+_next_local TO day_\w+_local ON CLUSTER/.test(s))).toBe(true);
		// Every insert of the build (not the rows the suite plants by hand).
		const inserts = sent.filter((s) => /^INSERT INTO day_/.test(s) && !s.includes("'planted'"));
		expect(inserts.length).toBeGreaterThan(0);
		for (const s of inserts) expect(s, s.slice(0, 80)).toContain('distributed_foreground_insert = 1');
	});

	it('takes the watermark from every replica of every shard, per shard', async () => {
		const wm = await currentWatermark(CLUSTER);
		const keys = Object.keys(wm.impressions ?? {});
		expect(keys.length).toBeGreaterThan(0);
		for (const k of keys) expect(k).toMatch(/^1\/\d{6}$/);
		const [{ n } = { n: '0' }] = await query<{ n: string }>(
			`SELECT toString(max(max_block_number)) AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = 'impressions_local'`,
			{ tag: 'cluster-day-tables-test' }
		);
		expect(Math.max(...Object.values(wm.impressions!))).toBe(Number(n));
	});
});

