import { z } from 'zod';
import { query } from '../warehouse/index.js';

/**
 * What changed in the source tables since a day table was built, so that a
 * refresh rebuilds only what the new rows can change (day-tables.ts).
 *
 * Every insert into a MergeTree table writes parts numbered with a new, higher
 * block number; a background merge keeps the highest number of the parts it
 * merges. So "the highest block of every partition" (a watermark) changes with
 * every insert and never with a merge, and the rows inserted after a watermark
 * are exactly those in parts whose highest block is above it (a part merged
 * from old and new parts counts whole: a few old rows too many, never one
 * missing). Loopmeter never deletes or mutates rows of these tables; a
 * partition that vanished or went back is treated as "anything may have
 * changed" all the same.
 */

const STRIPE_TABLES = [
	'stripe_customers',
	'stripe_products',
	'stripe_prices',
	'stripe_subscriptions',
	'stripe_invoices',
	'stripe_invoice_lines',
	'stripe_credit_notes',
	'stripe_refunds',
	'stripe_charges'
] as const;

/**
 * Every table a day-table file may read, directly, through a rollup kept from
 * it or through the Stripe views (not the raw event log, cursors or webhook
 * attempts: an event changes these tables when it changes anything a metric reads).
 */
export const SOURCE_TABLES = ['impressions', 'videos', 'generation_jobs', 'gpu_fleet', 'users', 'ad_revenue', 'fx_rates', ...STRIPE_TABLES] as const;
export type SourceTable = (typeof SOURCE_TABLES)[number];

/** Tables kept by materialized views and views, by the source tables they are computed from (sql/migrations). */
const DERIVED: Record<string, readonly SourceTable[]> = {
	impressions_daily: ['impressions'],
	impressions_user_daily: ['impressions'],
	video_impressions_daily: ['impressions'],
	jobs_daily: ['generation_jobs'],
	video_minhash: ['videos'],
	video_consent_history: ['videos'],
	video_minhash_all: ['videos'],
	video_near_duplicates: ['videos'],
	caption_first: ['videos'],
	caption_pairs: ['videos'],
	// The Stripe views join customers to accounts: any Stripe table or the accounts may change them.
	user_plan_intervals: [...STRIPE_TABLES, 'users'],
	stripe_customer_users: [...STRIPE_TABLES, 'users'],
	stripe_price_plans: STRIPE_TABLES,
	stripe_lines_current: STRIPE_TABLES,
	stripe_mrr_lines: STRIPE_TABLES,
	// Revenue in other currencies is converted at these rates: a rate loaded or corrected changes it.
	fx_rates_current: ['fx_rates']
};

/** The tables (and views) kept from the source tables: a build reads them too. */
export const DERIVED_TABLES = Object.keys(DERIVED);

/**
 * The source tables an SQL text reads, by name (a column alias spelled like a
 * table only adds one too many, which costs a rebuild, never a stale read).
 */
export function sourceTablesRead(sql: string): Set<SourceTable> {
	const out = new Set<SourceTable>();
	const reads = (name: string) => new RegExp(`\\b${name}\\b`).test(sql);
	for (const t of SOURCE_TABLES) if (reads(t)) out.add(t);
	for (const [name, tables] of Object.entries(DERIVED)) if (reads(name)) for (const t of tables) out.add(t);
	return out;
}

/**
 * The highest block number of every partition of every source table (kept in
 * day_tables, so a schema). On a cluster a partition is one per shard, keyed
 * `<shard>/<partition>` (shard numbers as the Distributed tables number them):
 * block numbers count per shard, shared by its replicas.
 */
export const Watermark = z.record(z.string(), z.record(z.string(), z.number().int()));
export type Watermark = z.infer<typeof Watermark>;

/**
 * The watermark key of a row read from a source table: its partition, or on a
 * cluster (read through a Distributed table, where shardNum() is the shard that
 * holds it) `<shard>/<partition>`. Also in sql/metrics/day_state_first_creator.sql.
 */
const ROW_KEY = `if(shardNum() = 0, _partition_id, concat(toString(shardNum()), '/', _partition_id))`;

export async function currentWatermark(cluster?: string): Promise<Watermark> {
	const rows = cluster ? await clusterParts(cluster) : await query<{ table: SourceTable; partition_id: string; block: string }>(
		`SELECT table, partition_id, toString(max(max_block_number)) AS block
		FROM system.parts
		WHERE active AND database = currentDatabase() AND table IN {tables:Array(String)}
		GROUP BY table, partition_id`,
		{ tag: 'day-tables:watermark', params: { tables: [...SOURCE_TABLES] } }
	);
	const out: Watermark = {};
	for (const r of rows) (out[r.table] ??= {})[r.partition_id] = Number(r.block);
	return out;
}

/**
 * The parts of every replica of every shard (clusterAllReplicas), so an insert
 * on any node counts at once, whichever replica a Distributed read would pick;
 * each node names its own shard from its cluster configuration. A node that
 * does not answer fails the query: no day table is then read (day-tables.ts).
 */
async function clusterParts(cluster: string): Promise<{ table: SourceTable; partition_id: string; block: string }[]> {
	const [{ db } = { db: '' }] = await query<{ db: string }>('SELECT currentDatabase() AS db', { tag: 'day-tables:database' });
	return query(
		`SELECT source AS table, shard_partition AS partition_id, toString(max(block)) AS block
		FROM clusterAllReplicas({cluster:String}, view(
			SELECT
				replaceRegexpOne(table, '_local$', '') AS source,
				concat(toString((SELECT any(shard_num) FROM system.clusters WHERE cluster = {cluster:String} AND is_local)), '/', partition_id) AS shard_partition,
				max(max_block_number) AS block
			FROM system.parts
			WHERE active AND database = {db:String} AND table IN {tables:Array(String)}
			GROUP BY source, shard_partition
		))
		GROUP BY source, shard_partition`,
		{ tag: 'day-tables:watermark', params: { cluster, db, tables: SOURCE_TABLES.map((t) => `${t}_local`) } }
	);
}

const samePartitions = (a: Record<string, number> = {}, b: Record<string, number> = {}) =>
	Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([p, n]) => b[p] === n);

/** The tables among `tables` whose rows differ between two watermarks. */
export function changedTables(before: Watermark, now: Watermark, tables: Iterable<SourceTable>): SourceTable[] {
	return [...tables].filter((t) => !samePartitions(before[t], now[t]));
}

/** Whether `now` only adds rows to `before` (no partition gone or gone back). */
export function onlyAdded(before: Record<string, number> = {}, now: Record<string, number> = {}): boolean {
	return Object.entries(before).every(([p, n]) => (now[p] ?? -1) >= n);
}

/**
 * The UTC days of the impressions inserted after `after` (the watermark of the
 * impressions table when a day table was built), sorted.
 */
export async function impressionDaysAfter(after: Record<string, number>): Promise<string[]> {
	const rows = await query<{ day: string }>(
		`SELECT DISTINCT toString(toDate(ts)) AS day
		FROM impressions
		WHERE toUInt64(splitByChar('_', _part)[3]) > {after:Map(String, UInt64)}[${ROW_KEY}]
		ORDER BY day`,
		{ tag: 'day-tables:new-days', params: { after } }
	);
	return rows.map((r) => r.day);
}

/** The last day with human impressions, as the files' "complete" flags see it (rollup_last_impression_day.sql). */
export async function lastImpressionDay(sql: string): Promise<string> {
	const [r] = await query<{ day: string }>(`SELECT toString(day) AS day FROM (\n${sql}\n)`, { tag: 'day-tables:last-day' });
	return r?.day ?? '1970-01-01';
}
