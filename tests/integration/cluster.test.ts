import { Session } from 'chdb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { listMetrics, supportedDimensions } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { loadMigrations } from '../../src/lib/server/warehouse/migrate.js';
import { liveTablesOf, renderStatements, tablesOf } from '../../src/lib/server/warehouse/render-ddl.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { TEST_CLUSTER, withoutKeeper, writeClusterConfig } from '../helpers/chdb-cluster.js';
import { expectSameRows } from '../helpers/metric-rows.js';
import { FIXTURE_PERIOD, fixtureInserts } from '../../bench/synthetic.js';

/*
 * The metric SQL must run unchanged on a cluster, where every table name is a
 * Distributed table over shard-local `<t>_local` tables. Embedded ClickHouse
 * can host a Distributed table when a remote_servers config lists a shard that
 * is this very process (tcp_port 9000 in the config makes it count as local),
 * so this file builds the schema twice in one warehouse:
 *   - `default`: the migrations as written (what embedded and single-server run);
 *   - `clustered`: the same migrations rendered for a cluster, then executed.
 * Two adaptations, both forced by running without ClickHouse Keeper:
 *   - `ON CLUSTER` is dropped: distributed DDL needs Keeper ("Replicated DDL
 *     queries are disabled");
 *   - `Replicated*MergeTree(path, replica, args)` becomes `*MergeTree(args)`:
 *     replication needs Keeper too (NO_ZOOKEEPER). The replicated engine only
 *     changes how parts are copied between replicas, never what a query returns.
 * With one shard every row is read once, so both schemas must give the same
 * result for every metric, grain and dimension. The session also sets
 * distributed_product_mode = 'global', as the server client does on a cluster.
 */
const CLUSTER = TEST_CLUSTER;
const { dataDir, open } = useTempWarehouse('loopmeter-cluster-');
const configFile = writeClusterConfig('loopmeter-cluster-config-');

const migrations = loadMigrations();
const clusterDdl = migrations.flatMap((m) => renderStatements(m, { cluster: CLUSTER }, tablesOf(migrations)));
/** Tables the schema holds once every migration ran (a later migration may drop one). */
const tables = liveTablesOf(migrations);
/** Tables filled by a materialized view: copying them too would count their rows twice. */
const mvTargets = new Set(
	clusterDdl.flatMap((s) => {
		const to = /MATERIALIZED\s+VIEW[\s\S]*?\bTO\s+(\w+)/i.exec(s)?.[1];
		return to ? [to.replace(/_local$/, '')] : [];
	})
);

const use = (db: string) => command(`USE ${db}`, { tag: 'cluster-test:use' });

async function runIn(db: string, req: MetricRequestInput): Promise<MetricRow[]> {
	await use(db);
	const { response } = await runMetric(req);
	return response.rows;
}

beforeAll(async () => {
	// Must come first: the config file is read when the engine loads this path.
	new Session(dataDir, { connectionArgs: [`--config-file=${configFile}`] });
	await open();
	await command(`SET distributed_product_mode = 'global'`, { tag: 'cluster-test' });
	for (const s of fixtureInserts('default')) await command(s, { tag: 'cluster-test:fixture' });

	await command('CREATE DATABASE IF NOT EXISTS clustered', { tag: 'cluster-test' });
	await use('clustered');
	for (const s of clusterDdl) await command(withoutKeeper(s), { tag: 'cluster-test:ddl' });
	for (const t of tables) {
		if (mvTargets.has(t)) continue;
		await command(`INSERT INTO clustered.${t} SELECT * FROM default.${t} SETTINGS distributed_foreground_insert = 1`, { tag: 'cluster-test:copy' });
	}
	await use('default');
});

describe('the cluster schema in an embedded warehouse', () => {
	it('serves every table name as a Distributed table over its replica-shaped _local twin', async () => {
		const rows = await query<{ name: string; engine: string }>(
			`SELECT name, engine FROM system.tables WHERE database = 'clustered' ORDER BY name`,
			{ tag: 'cluster-test' }
		);
		const engines = new Map(rows.map((r) => [r.name, r.engine]));
		for (const t of tables) {
			expect(engines.get(t), t).toBe('Distributed');
			expect(engines.get(`${t}_local`), `${t}_local`).toMatch(/MergeTree$/);
		}
	});

	it('holds the same rows as the plain schema (the comparison below is not vacuous)', async () => {
		for (const t of ['impressions', 'videos', 'generation_jobs', 'gpu_fleet', 'users', 'ad_revenue']) {
			const [plain] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM default.${t}`, { tag: 'cluster-test' });
			const [dist] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM clustered.${t}`, { tag: 'cluster-test' });
			expect(Number(plain!.n), t).toBeGreaterThan(0);
			expect(dist!.n, t).toBe(plain!.n);
		}
	});
});

function requestsFor(metric: (typeof metrics)[number]): MetricRequestInput[] {
	const base = { metric: metric.id, ...FIXTURE_PERIOD };
	return [
		{ ...base, grain: 'total' },
		{ ...base, grain: 'day' },
		...supportedDimensions(metric).map((d) => ({ ...base, grain: 'week' as const, group_by: [d] }))
	];
}

const metrics = listMetrics();

describe('every registered metric on Distributed tables', () => {
	it('has metrics to compare', () => {
		expect(metrics.length).toBeGreaterThan(0);
	});

	it('gives non-empty results on the fixture for the metrics of the source tables', async () => {
		const rows = await runIn('clustered', { metric: 'watch_hours', ...FIXTURE_PERIOD, grain: 'total' });
		expect(rows[0]?.value).toBeGreaterThan(0);
	});

	for (const def of metrics) {
		it(`${def.id}: same rows from the Distributed schema as from the plain one, for every grain and dimension`, async () => {
			for (const req of requestsFor(def)) {
				const what = `${def.id} ${req.grain} by ${req.group_by?.join(',') || '-'}`;
				const plain = await runIn('default', req).catch((e: Error) => {
					throw new Error(`${what} fails on the plain schema already (not a cluster issue): ${e.message}`);
				});
				const dist = await runIn('clustered', req).catch((e: Error) => {
					throw new Error(`${what} fails on Distributed tables: ${e.message}`);
				});
				expectSameRows(dist, plain, what);
			}
		});
	}
});
