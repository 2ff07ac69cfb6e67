import { randomUUID } from 'node:crypto';
import { command, getWarehouse, query, type Params } from '../warehouse/index.js';

/**
 * Where day tables and their state are kept, and the statements that create,
 * fill and swap them there (day-tables.ts, day-table-state.ts).
 *
 * - Embedded and single server: plain tables on the one node, as always.
 * - Cluster (CLICKHOUSE_CLUSTER): like every migrated table (render-ddl.ts),
 *   `<t>_local` is a Replicated*MergeTree on every node (ON CLUSTER) and `<t>`
 *   a Distributed table over it. Rows are computed through the Distributed
 *   source tables and inserted through `<t>` in the foreground, so they have
 *   landed on their shard before anything is swapped. A table whose rows
 *   carry a user is sharded by `cityHash64(user_id)`, as impressions are (a
 *   user's rows on the shard of their impressions); the others by month
 *   (`toYYYYMM(day)`: a month's rows on one shard, so swapping a month is one
 *   shard's atomic REPLACE PARTITION).
 *
 * Work tables (next build, month stage, novelty delta) are created ON CLUSTER
 * too: CLICKHOUSE_URL may be a load balancer, so the next statement can reach
 * another node. Each replicated table gets a Keeper path of its own
 * (a random suffix), so a name can be created again at once after a swap.
 */
export interface Placement {
	/** The cluster name when day tables are kept on a cluster. */
	cluster?: string;
}

export async function placement(): Promise<Placement> {
	return { cluster: (await getWarehouse()).cluster };
}

export const localTable = (p: Placement, table: string) => (p.cluster ? `${table}_local` : table);

const onCluster = (p: Placement) => (p.cluster ? ` ON CLUSTER '${p.cluster}'` : '');

/** `INSERT INTO table`, which on a cluster returns only once every shard holds the rows (not queued for a later send). */
export const insertInto = (p: Placement, table: string, columns = '') =>
	`INSERT INTO ${table}${columns ? ` (${columns})` : ''}${p.cluster ? ' SETTINGS distributed_foreground_insert = 1' : ''}`;

export interface Engine {
	/** A MergeTree family engine, without `Replicated`. */
	name: 'MergeTree' | 'ReplacingMergeTree';
	args?: string;
	/** PARTITION BY / ORDER BY clauses. */
	clauses: string;
}

/** The shard key of a table with these columns (see above). */
export function shardKeyOf(columns: string[]): string {
	return columns.includes('user_id') ? 'cityHash64(user_id)' : 'toYYYYMM(day)';
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The columns a SELECT returns, as a column list for CREATE TABLE (names come from our SQL files; types from the server). */
async function columnsOf(select: string, params: Params | undefined): Promise<{ names: string[]; list: string }> {
	const rows = await query<{ name: string; type: string }>(`DESCRIBE TABLE (\n${select}\n)`, { tag: 'day-tables:describe', params });
	for (const r of rows) if (!COLUMN.test(r.name)) throw new Error(`Day table column "${r.name}" is not a plain identifier: name it with an alias in its SQL file`);
	return { names: rows.map((r) => r.name), list: rows.map((r) => `\`${r.name}\` ${r.type}`).join(', ') };
}

/** Creates `table`, empty, with the columns `select` returns (its parameters only shape it). */
export async function createTable(p: Placement, table: string, select: string, params: Params | undefined, engine: Engine): Promise<void> {
	const engineArgs = engine.args ? `(${engine.args})` : '';
	if (!p.cluster) {
		await command(`CREATE TABLE ${table} ENGINE = ${engine.name}${engineArgs} ${engine.clauses} EMPTY AS SELECT * FROM (\n${select}\n)`, { tag: 'day-tables:create', params });
		return;
	}
	// Distributed DDL carries no query parameters: the column list is spelled out instead.
	const { names, list } = await columnsOf(select, params);
	const path = `/clickhouse/tables/{shard}/{database}/${table}_local/${randomUUID()}`;
	const replicated = `Replicated${engine.name}('${path}', '{replica}'${engine.args ? `, ${engine.args}` : ''})`;
	await command(`CREATE TABLE ${table}_local${onCluster(p)} (${list}) ENGINE = ${replicated} ${engine.clauses}`, { tag: 'day-tables:create' });
	await createDistributed(p, table, shardKeyOf(names), false);
}

async function createDistributed(p: Placement, table: string, key: string, replace: boolean): Promise<void> {
	await command(
		`CREATE ${replace ? 'OR REPLACE ' : ''}TABLE ${table}${onCluster(p)} AS ${table}_local ENGINE = Distributed('${p.cluster}', currentDatabase(), ${table}_local, ${key})`,
		{ tag: 'day-tables:create' }
	);
}

export async function dropTable(p: Placement, table: string): Promise<void> {
	await command(`DROP TABLE IF EXISTS ${table}${onCluster(p)}${p.cluster ? ' SYNC' : ''}`, { tag: 'day-tables:drop' });
	// SYNC: the Keeper path goes with the table at once.
	if (p.cluster) await command(`DROP TABLE IF EXISTS ${table}_local${onCluster(p)} SYNC`, { tag: 'day-tables:drop' });
}

/**
 * Puts the rows of `next` under the name `table` in one step (EXCHANGE, or
 * RENAME the first time), and drops what `table` held. On a cluster the local
 * tables are exchanged on every node and `table` becomes a Distributed table
 * with `next`'s columns (a changed SQL file may change them).
 */
export async function swapIn(p: Placement, next: string, table: string, exists: boolean): Promise<void> {
	const [from, to] = [localTable(p, next), localTable(p, table)];
	if (exists) await command(`EXCHANGE TABLES ${from} AND ${to}${onCluster(p)}`, { tag: 'day-tables:swap' });
	else await command(`RENAME TABLE ${from} TO ${to}${onCluster(p)}`, { tag: 'day-tables:swap' });
	if (p.cluster) {
		const columns = await query<{ name: string }>(`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String}`, {
			tag: 'day-tables:columns',
			params: { t: to }
		});
		await createDistributed(p, table, shardKeyOf(columns.map((c) => c.name)), true);
	}
	await dropTable(p, next);
}

/**
 * Replaces month `month` of `table` with that month of `stage` (both shaped
 * alike), atomically per shard: REPLACE PARTITION. On a cluster it runs on
 * the local tables; every replica first holds all of the stage, and the
 * swap has reached every replica before this returns (a panel may read any).
 */
export async function replaceMonth(p: Placement, table: string, month: number, stage: string): Promise<void> {
	if (!p.cluster) {
		const [{ n } = { n: '0' }] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${stage}`, { tag: 'day-tables:count' });
		// Replacing a partition from an empty one is refused (it would look like a mistake): that month has no rows left.
		if (Number(n) > 0) await command(`ALTER TABLE ${table} REPLACE PARTITION ${month} FROM ${stage}`, { tag: 'day-tables:swap' });
		else await command(`ALTER TABLE ${table} DROP PARTITION ${month}`, { tag: 'day-tables:swap' });
		return;
	}
	await syncReplicas(p, [stage]);
	// A shard whose stage has no row of the month has none left: its partition is replaced by nothing.
	const settings = (await knowsSetting('allow_replace_partition_from_empty_source')) ? ' SETTINGS allow_replace_partition_from_empty_source = 1' : '';
	await command(`ALTER TABLE ${table}_local${onCluster(p)} REPLACE PARTITION ${month} FROM ${stage}_local${settings}`, { tag: 'day-tables:swap' });
	await syncReplicas(p, [table]);
}

/** Older servers replace from an empty partition without being asked; newer ones refuse unless this setting is on. */
async function knowsSetting(name: string): Promise<boolean> {
	const [r] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM system.settings WHERE name = {name:String}`, { tag: 'day-tables:settings', params: { name } });
	return Number(r?.n) > 0;
}

/**
 * Waits until every replica of these tables' local twins holds the parts any
 * replica has (fetches queued by replication done): a Distributed read picks
 * one replica per shard, which must not miss rows another has. Tables that are
 * not replicated have nothing to wait for.
 */
export async function syncReplicas(p: Placement, tables: readonly string[]): Promise<void> {
	if (!p.cluster || !tables.length) return;
	const replicated = await query<{ name: string }>(
		`SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)} AND startsWith(engine, 'Replicated')`,
		{ tag: 'day-tables:replicated', params: { names: tables.map((t) => `${t}_local`) } }
	);
	for (const { name } of replicated) await command(`SYSTEM SYNC REPLICA${onCluster(p)} ${name} LIGHTWEIGHT`, { tag: 'day-tables:sync' });
}

/**
 * Sends the rows queued in the Distributed tables' send queues on every node
 * (inserts made without distributed_foreground_insert): queued rows are in
 * no part yet, so neither a panel nor the watermark sees them; sent before
 * the watermark is taken, they are in this refresh instead of a later one.
 * Only the tables with files queued on some node are flushed (a refresh runs
 * every few minutes: no distributed DDL when nothing waits).
 */
export async function flushQueues(p: Placement, tables: readonly string[]): Promise<void> {
	if (!p.cluster) return;
	const [{ db } = { db: '' }] = await query<{ db: string }>('SELECT currentDatabase() AS db', { tag: 'day-tables:database' });
	const queued = await query<{ name: string }>(
		`SELECT DISTINCT table AS name FROM clusterAllReplicas({cluster:String}, system.distribution_queue)
		WHERE database = {db:String} AND table IN {names:Array(String)} AND data_files > 0`,
		{ tag: 'day-tables:queued', params: { cluster: p.cluster, db, names: [...tables] } }
	);
	for (const { name } of queued) await command(`SYSTEM FLUSH DISTRIBUTED ${name}${onCluster(p)}`, { tag: 'day-tables:flush' });
}
