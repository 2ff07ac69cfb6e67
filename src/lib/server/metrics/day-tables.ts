import { createHash } from 'node:crypto';
import { command, getWarehouse, query } from '../warehouse/index.js';
import { DAY_TABLE_SOURCES, dayTableName, type DayTableSource } from './day-table-sources.js';
import { metricSql } from './sql-files.js';

/**
 * Day tables: metric base files materialized after each ingest, for the metrics
 * a sum rollup cannot serve (distinct users, sessions, per-user-day entropy, a
 * user's first impression of a creator across all history…). Their live form
 * reads tens of millions of impressions per request; the day table holds the
 * file's own output rows over every day with data, so a panel reads thousands
 * to a few million rows, with the same metric definition, filters and
 * breakdowns. Which files, and why they qualify: day-table-sources.ts.
 */
export { DAY_TABLE_SOURCES, type DayTableSource } from './day-table-sources.js';

// Every table a day-table file may read, directly, through a rollup kept from it
// or through the Stripe views (not the raw event log, cursors or webhook attempts:
// an event changes these tables when it changes anything a metric reads).
const SOURCE_TABLES = `table IN ('impressions', 'videos', 'generation_jobs', 'gpu_fleet', 'users', 'ad_revenue',
	'stripe_customers', 'stripe_products', 'stripe_prices', 'stripe_subscriptions', 'stripe_invoices', 'stripe_invoice_lines',
	'stripe_credit_notes', 'stripe_refunds', 'stripe_charges')`;

/**
 * What the source tables hold, as the newest insert block of each of their
 * partitions: an insert adds a block with a higher number, a background merge
 * keeps the highest one, so the fingerprint changes with new data and never
 * with merges (the panel cache's version changes with both).
 */
async function fingerprint(): Promise<string> {
	const rows = await query<{ fp: string }>(
		`SELECT arrayStringConcat(arraySort(groupArray(t)), ',') AS fp
		FROM (
			SELECT concat(table, ':', toString(count()), ':', toString(sum(b))) AS t
			FROM (
				SELECT table, partition_id, max(max_block_number) AS b
				FROM system.parts
				WHERE active AND database = currentDatabase() AND ${SOURCE_TABLES}
				GROUP BY table, partition_id
			)
			GROUP BY table
		)`,
		{ tag: 'day-tables:fingerprint' }
	);
	return rows[0]?.fp ?? '';
}

const hashOf = (sql: string) => createHash('sha256').update(sql).digest('hex').slice(0, 16);

interface BuildState {
	source: string;
	fingerprint: string;
	sql_hash: string;
}

async function buildStates(): Promise<Map<string, BuildState>> {
	const rows = await query<BuildState>(
		`SELECT source, argMax(fingerprint, built_at) AS fingerprint, argMax(sql_hash, built_at) AS sql_hash
		FROM day_tables
		GROUP BY source`,
		{ tag: 'day-tables:state' }
	);
	return new Map(rows.map((r) => [r.source, r]));
}

async function existingTables(): Promise<Set<string>> {
	const rows = await query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'day_')`, {
		tag: 'day-tables:tables'
	});
	return new Set(rows.map((r) => r.name));
}

/**
 * Day tables are kept on the embedded warehouse and on a single server. On a
 * cluster each shard would need its own copy of rows computed across shards:
 * there the files are always read live, in parallel on every shard.
 */
async function enabled(): Promise<boolean> {
	return !(await getWarehouse()).cluster;
}

async function currentSources(): Promise<Set<DayTableSource>> {
	if (!(await enabled())) return new Set();
	const [fp, states, tables] = await Promise.all([fingerprint(), buildStates(), existingTables()]);
	const current = new Set<DayTableSource>();
	for (const source of DAY_TABLE_SOURCES) {
		const s = states.get(source);
		if (s && s.fingerprint === fp && s.sql_hash === hashOf(metricSql(source)) && tables.has(dayTableName(source))) current.add(source);
	}
	return current;
}

// `loopmeter serve` runs the CLI's copy of this module and the production
// build's bundled copy in one process: what must be one per process lives on
// globalThis, like the warehouse client.
interface State {
	current?: { at: number; value: Promise<Set<DayTableSource>> };
	running?: Promise<DayTableBuild[]>;
	again: boolean;
	scheduled?: ReturnType<typeof setTimeout>;
	/** Builds that failed, by source, with the data and SQL they failed on: not retried until either changes. */
	failed: Map<string, string>;
}
const state: State = ((globalThis as { __loopmeterDayTables?: State }).__loopmeterDayTables ??= { again: false, failed: new Map() });

// Asked for every metric request: a short memory keeps a page's dozen panels
// from asking a dozen times. Building (or an ingest through this process)
// forgets it at once; a load by another process is seen within this time.
const CURRENT_TTL_MS = 2_000;

/** The day-table files that match the data and the code right now. */
export function currentDayTables(): Promise<ReadonlySet<string>> {
	if (state.current && Date.now() - state.current.at < CURRENT_TTL_MS) return state.current.value;
	const value = currentSources().catch(() => new Set<DayTableSource>());
	state.current = { at: Date.now(), value };
	return value;
}

export function forgetCurrentDayTables(): void {
	state.current = undefined;
}

export interface DayTableStatus {
	source: DayTableSource;
	/** Matches the data and the SQL: panels read it. */
	current: boolean;
	rows: number;
	seconds: number;
	built_at: string | null;
}

/** Each day table's last build and whether it is read, for `loopmeter status`. */
export async function dayTablesStatus(): Promise<DayTableStatus[]> {
	if (!(await enabled())) return [];
	const [current, builds] = await Promise.all([
		currentSources(),
		query<{ source: string; rows: string; seconds: number; last_built: string }>(
			`SELECT source, toString(argMax(rows, built_at)) AS rows, argMax(seconds, built_at) AS seconds, toString(max(built_at)) AS last_built
			FROM day_tables GROUP BY source`,
			{ tag: 'day-tables:status' }
		)
	]);
	const bySource = new Map(builds.map((b) => [b.source, b]));
	return DAY_TABLE_SOURCES.map((source) => {
		const b = bySource.get(source);
		return { source, current: current.has(source), rows: Number(b?.rows ?? 0), seconds: b?.seconds ?? 0, built_at: b?.last_built ?? null };
	});
}

/** First and last day any day-table file can have rows for. */
async function dataDays(): Promise<{ first: string; last: string } | undefined> {
	const rows = await query<{ first: string; last: string; total: string }>(
		`SELECT toString(min(lo)) AS first, toString(max(hi)) AS last, toString(sum(n)) AS total
		FROM (
			SELECT min(toDate(ts)) AS lo, max(toDate(ts)) AS hi, count() AS n FROM impressions
			UNION ALL SELECT min(toDate(created_at)), max(toDate(created_at)), count() FROM videos
			UNION ALL SELECT min(toDate(started_at)), max(toDate(started_at)), count() FROM generation_jobs
			UNION ALL SELECT min(date), max(date), count() FROM ad_revenue
			-- Subscription revenue is spread over each line's service period, which may end after the last impression.
			UNION ALL SELECT min(toDate(period_start)), max(toDate(period_end)), count() FROM stripe_invoice_lines
			UNION ALL SELECT min(toDate(effective_at)), max(toDate(effective_at)), count() FROM stripe_credit_notes
			UNION ALL SELECT min(toDate(created)), max(toDate(created)), count() FROM stripe_refunds
		)
		WHERE n > 0`,
		{ tag: 'day-tables:days' }
	);
	const r = rows[0];
	return r && Number(r.total) > 0 ? { first: r.first, last: r.last } : undefined;
}

export interface DayTableBuild {
	source: DayTableSource;
	rows: number;
	seconds: number;
}

export interface RefreshOptions {
	log?: (line: string) => void;
}

/**
 * Rebuilds every day table whose data or SQL changed, each into a fresh table
 * swapped in whole, so a reader sees the old rows or the new ones, never half.
 * The fingerprint is taken before building: rows that land meanwhile make the
 * new table stale at once, and it is rebuilt next time instead of being read.
 */
async function refresh(opts: RefreshOptions): Promise<DayTableBuild[]> {
	if (!(await enabled())) return [];
	const [fp, states, tables, days] = await Promise.all([fingerprint(), buildStates(), existingTables(), dataDays()]);
	if (!days) return [];
	const built: DayTableBuild[] = [];
	const failed: string[] = [];
	for (const source of DAY_TABLE_SOURCES) {
		const sql = metricSql(source);
		const hash = hashOf(sql);
		const s = states.get(source);
		if (s && s.fingerprint === fp && s.sql_hash === hash && tables.has(dayTableName(source))) continue;
		// The server checks every few minutes: a build that failed on this data (e.g. over the
		// memory cap) would fail again, holding the embedded engine for minutes each time.
		if (state.failed.get(source) === `${fp}|${hash}`) continue;
		try {
			const b = await build(source, sql, { fp, hash, days, exists: tables.has(dayTableName(source)) });
			built.push(b);
			state.failed.delete(source);
			opts.log?.(`Day table ${dayTableName(source)}: ${b.rows.toLocaleString('en-US')} rows in ${b.seconds.toFixed(1)} s`);
		} catch (e) {
			// One that cannot be built (e.g. over the memory cap) stays live; the others still help.
			failed.push(`${dayTableName(source)}: ${e instanceof Error ? e.message : String(e)}`);
			state.failed.set(source, `${fp}|${hash}`);
			opts.log?.(`Day table ${dayTableName(source)} not built (its panels compute from the raw tables): ${failed.at(-1)}`);
		}
	}
	if (failed.length) throw new DayTablesError(failed, built);
	return built;
}

/** Some day tables could not be built; `built` says which were. */
export class DayTablesError extends Error {
	constructor(
		readonly failures: string[],
		readonly built: DayTableBuild[]
	) {
		super(`${failures.length} day table(s) not built: ${failures.join('; ')}`);
	}
}

async function build(
	source: DayTableSource,
	sql: string,
	b: { fp: string; hash: string; days: { first: string; last: string }; exists: boolean }
): Promise<DayTableBuild> {
	const started = Date.now();
	const table = dayTableName(source);
	const next = `${table}_next`;
	// The whole range of data: every file reaches before or after its period on its own.
	const params = { from: b.days.first, to: addDay(b.days.last) };
	await command(`DROP TABLE IF EXISTS ${next}`, { tag: 'day-tables:drop' });
	await command(`CREATE TABLE ${next} ENGINE = MergeTree ORDER BY day EMPTY AS SELECT * FROM (\n${sql}\n)`, { tag: `day-tables:create:${source}`, params });
	try {
		// Settings in the statement: through chDB a per-call setting would stay for every later query.
		await command(`INSERT INTO ${next} SELECT * FROM (\n${sql}\n) SETTINGS max_execution_time = 0`, { tag: `day-tables:build:${source}`, params });
	} catch (e) {
		await command(`DROP TABLE IF EXISTS ${next}`, { tag: 'day-tables:drop' }).catch(() => undefined);
		throw e;
	}
	if (b.exists) await command(`EXCHANGE TABLES ${next} AND ${table}`, { tag: 'day-tables:swap' });
	else await command(`RENAME TABLE ${next} TO ${table}`, { tag: 'day-tables:swap' });
	await command(`DROP TABLE IF EXISTS ${next}`, { tag: 'day-tables:drop' });
	const [{ rows } = { rows: '0' }] = await query<{ rows: string }>(`SELECT toString(count()) AS rows FROM ${table}`, { tag: 'day-tables:count' });
	const seconds = (Date.now() - started) / 1000;
	await command(
		`INSERT INTO day_tables (source, fingerprint, sql_hash, first_day, last_day, rows, seconds, built_at)
		VALUES ({source:String}, {fp:String}, {hash:String}, {first:Date}, {last:Date}, {rows:UInt64}, {seconds:Float64}, now64(3))`,
		{ tag: 'day-tables:record', params: { source, fp: b.fp, hash: b.hash, first: b.days.first, last: b.days.last, rows, seconds } }
	);
	forgetCurrentDayTables();
	return { source, rows: Number(rows), seconds };
}

function addDay(day: string): string {
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + 1);
	return d.toISOString().slice(0, 10);
}

/**
 * Brings every day table up to date with the data; resolves with what was
 * rebuilt. One refresh at a time per process: asked during one, it runs once
 * more after it (the new data may have landed after its fingerprint was taken).
 */
export function refreshDayTables(opts: RefreshOptions = {}): Promise<DayTableBuild[]> {
	if (state.running) {
		state.again = true;
		return state.running;
	}
	const run = async (): Promise<DayTableBuild[]> => {
		const out: DayTableBuild[] = [];
		do {
			state.again = false;
			out.push(...(await refresh(opts)));
		} while (state.again);
		return out;
	};
	state.running = run().finally(() => {
		state.running = undefined;
		forgetCurrentDayTables();
	});
	return state.running;
}

/**
 * A refresh for a server's background: progress and failures go to its log,
 * nothing is thrown (panels compute from the files until the next try).
 */
export function refreshDayTablesLogged(): Promise<void> {
	return refreshDayTables({ log: (line) => console.log(line) }).then(
		() => undefined,
		(e: unknown) => console.error(`Day tables not refreshed (panels compute from the raw files until the next try): ${e instanceof Error ? e.message : String(e)}`)
	);
}

/**
 * After an ingest through the app: refresh in the background once the burst of
 * uploads is over (a directory arrives as several requests).
 */
export function scheduleDayTablesRefresh(delayMs = 2_000): void {
	clearTimeout(state.scheduled);
	state.scheduled = setTimeout(() => {
		state.scheduled = undefined;
		void refreshDayTablesLogged();
	}, delayMs);
	state.scheduled.unref?.();
}
