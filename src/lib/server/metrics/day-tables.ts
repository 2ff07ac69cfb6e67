import { createHash } from 'node:crypto';
import { z } from 'zod';
import { sourceDataVersion } from '../cache/per-data-version.js';
import { command, query } from '../warehouse/index.js';
import { changedTables, currentWatermark, DERIVED_TABLES, lastImpressionDay, onlyAdded, SOURCE_TABLES, sourceTablesRead, Watermark, type SourceTable } from './day-table-changes.js';
import { createTable, dropTable, flushQueues, insertInto, placement, replaceMonth as swapMonth, swapIn, syncReplicas, type Placement } from './day-table-ddl.js';
import { BUILT_BY_MONTH, DAY_TABLE_SOURCES, dayTableName, IMPRESSION_REACH, type DayTableSource } from './day-table-sources.js';
import { addFirstCreators, FIRST_CREATOR_SQL, FIRST_CREATOR_TABLE, rebuildFirstCreators } from './day-table-state.js';
import {
	addDays,
	dayRange,
	daysIn,
	DayRange,
	lastDayReachUnknown,
	rangesOf,
	rememberedAddedDays,
	staleDays,
	type AddedDays,
	type Seen
} from './day-table-validity.js';
import { hasMetricSql, metricSql } from './sql-files.js';

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

const hashOf = (sql: string) => createHash('sha256').update(sql).digest('hex').slice(0, 16);

/**
 * How a day table is stored: partitioned by month, so the days an ingest
 * touched are replaced one month partition at a time (atomically each); part
 * of the hash, so a table stored otherwise is rebuilt once.
 */
const LAYOUT = 'PARTITION BY toYYYYMM(day) ORDER BY day';

/** What a day table is built from: its SQL (the file, or its build form), the hash that names it, the source tables it reads. */
interface Plan {
	sql: string;
	hash: string;
	reads: Set<SourceTable>;
}

const plans = new Map<DayTableSource, Plan>();

/**
 * A file may have a build form, sql/metrics/day_build_<file>.sql: the same rows
 * computed from state kept between builds (the novelty file's first impression
 * of each creator, day-table-state.ts).
 */
function planOf(source: DayTableSource): Plan {
	let plan = plans.get(source);
	if (!plan) {
		const buildForm = `day_build_${source}`;
		const sql = metricSql(hasMetricSql(buildForm) ? buildForm : source);
		const state = source === NOVELTY ? metricSql(FIRST_CREATOR_SQL) : '';
		plan = { sql, hash: hashOf([LAYOUT, metricSql(source), sql, state].join('\n--\n')), reads: sourceTablesRead(`${sql}\n${state}`) };
		plans.set(source, plan);
	}
	return plan;
}

const NOVELTY: DayTableSource = 'slop_novelty_daily';

/**
 * What a build saw, kept in day_tables.fingerprint: the source tables' watermark, the last day with
 * impressions, and the days not yet swapped in for that data (day-table-validity.ts; none once
 * the build is done, and none in fingerprints written before days were recorded).
 */
const Recorded = z.object({ watermark: Watermark, lastDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), stale: z.array(DayRange).default([]) });
type Recorded = Seen;

function parseRecorded(text: string | undefined): Recorded | undefined {
	if (!text) return undefined;
	try {
		const r = Recorded.safeParse(JSON.parse(text));
		return r.success ? r.data : undefined;
	} catch {
		// A fingerprint of the earlier format (or a build's "rebuilding" mark): not current.
		return undefined;
	}
}

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
 * What the last build of a day table saw, if it was built by this SQL, finished
 * or swapped some days in, and the table is there.
 */
function recordedBy(source: DayTableSource, recorded: BuildState | undefined, tables: Set<string>): Recorded | undefined {
	const seen = recorded?.sql_hash === planOf(source).hash ? parseRecorded(recorded.fingerprint) : undefined;
	return seen && tables.has(dayTableName(source)) ? seen : undefined;
}

/**
 * The days of a day table that may not match the data and the code now
 * (none: every row is what the file computes now, whatever day is asked), or
 * undefined when no day can be trusted (day-table-validity.ts).
 */
async function staleOf(source: DayTableSource, recorded: BuildState | undefined, now: Watermark, tables: Set<string>, added: AddedDays): Promise<DayRange[] | undefined> {
	const seen = recordedBy(source, recorded, tables);
	return seen && staleDays(source, seen, now, planOf(source).reads, added);
}

/** Every day table a request may read, with the days it must not read (none: current). */
async function readableSources(): Promise<Map<DayTableSource, DayRange[]>> {
	const p = await placement();
	const [now, states, tables] = await Promise.all([currentWatermark(p.cluster), buildStates(), existingTables()]);
	const added = rememberedAddedDays(now);
	const out = new Map<DayTableSource, DayRange[]>();
	for (const source of DAY_TABLE_SOURCES) {
		const stale = await staleOf(source, states.get(source), now, tables, added);
		if (stale) out.set(source, stale);
	}
	return out;
}

// `loopmeter serve` runs the CLI's copy of this module and the production
// build's bundled copy in one process: what must be one per process lives on
// globalThis, like the warehouse client.
interface State {
	current?: { at: number; value: Promise<Map<DayTableSource, DayRange[]>> };
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

/**
 * The day-table files a request may read right now, each with the days it
 * must not read (an ingest's days not swapped in yet; none when it matches
 * the data and the code on every day): day-table-validity.ts, buildOnValidDays.
 */
export function readableDayTables(): Promise<ReadonlyMap<string, readonly DayRange[]>> {
	if (state.current && Date.now() - state.current.at < CURRENT_TTL_MS) return state.current.value;
	const value = readableSources().catch(() => new Map<DayTableSource, DayRange[]>());
	state.current = { at: Date.now(), value };
	return value;
}

/** The day-table files that match the data and the code on every day right now. */
export async function currentDayTables(): Promise<ReadonlySet<string>> {
	const readable = await readableDayTables();
	return new Set([...readable].filter(([, stale]) => stale.length === 0).map(([source]) => source));
}

/**
 * Forget which day tables match the data, and the data version the page caches
 * are keyed by (ingest calls this after every load): new rows, late ones for
 * an old day included, show on the next page load instead of seconds later.
 */
export function forgetCurrentDayTables(): void {
	state.current = undefined;
	sourceDataVersion.forget();
}

export interface DayTableStatus {
	source: DayTableSource;
	/** Matches the data and the SQL on every day: panels read it. */
	current: boolean;
	/** The days panels must not read from it (day-table-validity.ts); null: every day. */
	stale_days: DayRange[] | null;
	rows: number;
	seconds: number;
	built_at: string | null;
}

/** Each day table's last build and whether it is read, for `loopmeter status`. */
export async function dayTablesStatus(): Promise<DayTableStatus[]> {
	const [readable, builds] = await Promise.all([
		readableSources(),
		query<{ source: string; rows: string; seconds: number; last_built: string }>(
			`SELECT source, toString(argMax(rows, built_at)) AS rows, argMax(seconds, built_at) AS seconds, toString(max(built_at)) AS last_built
			FROM day_tables WHERE sql_hash != '' GROUP BY source`,
			{ tag: 'day-tables:status' }
		)
	]);
	const bySource = new Map(builds.map((b) => [b.source, b]));
	return DAY_TABLE_SOURCES.map((source) => {
		const b = bySource.get(source);
		const stale = readable.get(source) ?? null;
		return { source, current: stale?.length === 0, stale_days: stale, rows: Number(b?.rows ?? 0), seconds: b?.seconds ?? 0, built_at: b?.last_built ?? null };
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
	/** Every day again, or only `days`: those the new impressions can change. */
	mode: 'all' | 'days';
	days: string[];
}

export interface RefreshOptions {
	log?: (line: string) => void;
}

/** What one refresh saw before building anything, shared by every day table it builds. */
interface Snapshot {
	now: Watermark;
	lastDay: string;
	days: { first: string; last: string };
	tables: Set<string>;
	/** The days of the impressions inserted after a watermark (several tables often share one). */
	added: AddedDays;
	version: number;
	place: Placement;
	/** On a cluster: whether every replica already holds every part of the source tables (syncSources). */
	synced: boolean;
}

/**
 * Brings every day table whose data or SQL changed up to date. If only
 * impressions were added since it was built (an hourly or daily load, late
 * data), only the days those impressions can change are computed again and
 * swapped in, a month partition at a time; otherwise every day is (month by
 * month for the files that read every impression: a month's query fits the
 * memory cap where all history at once did not), into a fresh table swapped
 * in whole. The watermark is taken before
 * building: rows that land meanwhile make the table stale at once, and the
 * next refresh adds them.
 */
async function refresh(opts: RefreshOptions): Promise<DayTableBuild[]> {
	const place = await placement();
	await flushQueues(place, SOURCE_TABLES);
	// The last day before the watermark: a day that lands in between is seen as new next time, never as old.
	const lastDay = await lastImpressionDay(metricSql('rollup_last_impression_day'));
	const [now, states, tables, days] = await Promise.all([currentWatermark(place.cluster), buildStates(), existingTables(), dataDays()]);
	if (!days) return [];
	const snap: Snapshot = { now, lastDay, days, tables, added: rememberedAddedDays(now), version: Date.now(), place, synced: false };
	const built: DayTableBuild[] = [];
	const failed: string[] = [];
	for (const source of DAY_TABLE_SOURCES) {
		const recorded = states.get(source);
		if ((await staleOf(source, recorded, now, tables, snap.added))?.length === 0) continue;
		// The server checks every few minutes: a build that failed on this data (e.g. over the
		// memory cap) would fail again, holding the embedded engine for minutes each time.
		const attempt = `${JSON.stringify(now)}|${planOf(source).hash}`;
		if (state.failed.get(source) === attempt) continue;
		try {
			const b = await build(source, recorded, snap);
			built.push(b);
			state.failed.delete(source);
			const what = b.mode === 'all' ? 'every day' : `${b.days.length} day(s) ${b.days[0] ?? ''}${b.days.length > 1 ? `…${b.days.at(-1)}` : ''}`;
			opts.log?.(`Day table ${dayTableName(source)}: ${what}, ${b.rows.toLocaleString('en-US')} rows in ${b.seconds.toFixed(1)} s`);
		} catch (e) {
			// One that cannot be built (e.g. over the memory cap) stays live; the others still help.
			failed.push(`${dayTableName(source)}: ${e instanceof Error ? e.message : String(e)}`);
			state.failed.set(source, attempt);
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

/** The previous build's view of the data, if only impressions were added since and the table and its state are still there. */
function addedImpressionsOnly(source: DayTableSource, recorded: BuildState | undefined, snap: Snapshot): Recorded | undefined {
	const plan = planOf(source);
	const seen = recordedBy(source, recorded, snap.tables);
	if (!seen) return undefined;
	if (source === NOVELTY && !snap.tables.has(FIRST_CREATOR_TABLE)) return undefined;
	const changed = changedTables(seen.watermark, snap.now, plan.reads);
	if (!changed.every((t) => t === 'impressions') || !onlyAdded(seen.watermark.impressions, snap.now.impressions)) return undefined;
	// A file that reads the last day with data but does not say how far that reaches: every day.
	return lastDayReachUnknown(source) && seen.lastDay !== snap.lastDay ? undefined : seen;
}

async function build(source: DayTableSource, recorded: BuildState | undefined, snap: Snapshot): Promise<DayTableBuild> {
	const started = Date.now();
	await syncSources(snap);
	const seen = addedImpressionsOnly(source, recorded, snap);
	const days = seen ? await rebuildStaleDays(source, seen, snap, started) : undefined;
	if (!days) {
		// Read by nobody from here until the new record: a failure half-way leaves it unread, and rebuilt whole next time.
		await record(source, { fingerprint: '', hash: '', days: snap.days, rows: '0', seconds: 0 });
		forgetCurrentDayTables();
		await rebuildAll(source, snap);
	}
	const rows = await rowsOf(source);
	const seconds = (Date.now() - started) / 1000;
	await record(source, { fingerprint: fingerprintOf({ watermark: snap.now, lastDay: snap.lastDay, stale: [] }), hash: planOf(source).hash, days: snap.days, rows, seconds });
	forgetCurrentDayTables();
	return { source, rows: Number(rows), seconds, mode: days ? 'days' : 'all', days: days ?? [] };
}

const fingerprintOf = (seen: Recorded) => JSON.stringify(seen satisfies z.input<typeof Recorded>);

async function rowsOf(source: DayTableSource): Promise<string> {
	const [{ rows } = { rows: '0' }] = await query<{ rows: string }>(`SELECT toString(count()) AS rows FROM ${dayTableName(source)}`, { tag: 'day-tables:count' });
	return rows;
}

/**
 * Computes again the days of a day table that the impressions added since
 * `seen` can change, and the days an earlier refresh left stale, while
 * requests keep reading its other days: validity is recorded before anything
 * moves on and after each month swapped, so a failure half-way leaves the
 * months swapped readable and the rest unread until the next refresh rebuilds
 * them. Undefined when no day can be trusted (then every day is rebuilt).
 */
async function rebuildStaleDays(source: DayTableSource, seen: Recorded, snap: Snapshot, started: number): Promise<string[] | undefined> {
	const assumed = await staleDays(source, seen, snap.now, planOf(source).reads, snap.added);
	if (!assumed) return undefined;
	// What readers already assume, kept before the novelty state takes in the new impressions: if this
	// refresh stops after that, the next one no longer sees which first impressions moved, but rebuilds these days.
	await recordProgress(source, { ...seen, stale: assumed }, snap, started);
	const days = await daysToRebuild(source, seen, snap);
	const left = new Set(days);
	const progress = async (swapped: readonly string[]) => {
		for (const d of swapped) left.delete(d);
		await recordProgress(source, { watermark: snap.now, lastDay: snap.lastDay, stale: rangesOf([...left]) }, snap, started);
	};
	await progress([]);
	await rebuildDays(snap.place, source, days, progress);
	return days;
}

async function recordProgress(source: DayTableSource, seen: Recorded, snap: Snapshot, started: number): Promise<void> {
	const rows = await rowsOf(source);
	await record(source, { fingerprint: fingerprintOf(seen), hash: planOf(source).hash, days: snap.days, rows, seconds: (Date.now() - started) / 1000 });
	forgetCurrentDayTables();
}

/**
 * On a cluster, before the first build of a refresh: every replica holds every
 * part of the tables a build reads (a Distributed read picks one replica per
 * shard, and the watermark counted the parts of all of them).
 */
async function syncSources(snap: Snapshot): Promise<void> {
	if (snap.synced) return;
	await syncReplicas(snap.place, [...SOURCE_TABLES, ...DERIVED_TABLES]);
	snap.synced = true;
}

/**
 * The build log is one table for the whole cluster: day_tables is sharded by
 * the constant 0 (sql/migrations/0053), so its rows live on the first shard,
 * replicated there, and every node reads the same through the Distributed table.
 */
async function record(source: DayTableSource, r: { fingerprint: string; hash: string; days: { first: string; last: string }; rows: string; seconds: number }): Promise<void> {
	const place = await placement();
	await command(
		`${insertInto(place, 'day_tables', 'source, fingerprint, sql_hash, first_day, last_day, rows, seconds, built_at')}
		VALUES ({source:String}, {fp:String}, {hash:String}, {first:Date}, {last:Date}, {rows:UInt64}, {seconds:Float64}, now64(3))`,
		{ tag: 'day-tables:record', params: { source, fp: r.fingerprint, hash: r.hash, first: r.days.first, last: r.days.last, rows: r.rows, seconds: r.seconds } }
	);
}

/**
 * The days of a day table that the impressions added since `seen` can change
 * (IMPRESSION_REACH), sorted. For novelty this first adds those impressions to
 * the kept first impressions, which says which older days lost a first.
 */
async function daysToRebuild(source: DayTableSource, seen: Recorded, snap: Snapshot): Promise<string[]> {
	const after = seen.watermark.impressions ?? {};
	const reach = IMPRESSION_REACH[source];
	const days = new Set((await snap.added(after)).flatMap((d) => dayRange(addDays(d, -reach.before), addDays(d, reach.after))));
	// Days an earlier refresh recorded as not swapped in (it stopped half-way).
	for (const d of daysIn(seen.stale, snap.days.first, snap.days.last)) days.add(d);
	// "Complete" (D + lastDay ≤ the last day) changed for the days between the two last days, less lastDay.
	if (reach.lastDay !== undefined && seen.lastDay !== snap.lastDay) {
		const [a, b] = [seen.lastDay, snap.lastDay].sort();
		for (const d of dayRange(addDays(a!, 1 - reach.lastDay), addDays(b!, -reach.lastDay))) days.add(d);
	}
	if (source === NOVELTY) for (const d of await addFirstCreators(snap.place, after, snap.version)) days.add(d);
	return [...days].sort();
}

/**
 * Computes `days` of a day table again: per month, its other days copied and
 * these computed, swapped in as one partition; `swapped` hears each month's
 * days once they are in.
 */
async function rebuildDays(p: Placement, source: DayTableSource, days: string[], swapped: (days: string[]) => Promise<void>): Promise<void> {
	const byMonth = new Map<number, string[]>();
	for (const d of days) {
		const m = Number(d.slice(0, 4)) * 100 + Number(d.slice(5, 7));
		byMonth.set(m, [...(byMonth.get(m) ?? []), d]);
	}
	for (const [month, monthDays] of byMonth) {
		await replaceMonth(p, source, month, monthDays);
		await swapped(monthDays);
	}
}

async function replaceMonth(p: Placement, source: DayTableSource, month: number, days: string[]): Promise<void> {
	const table = dayTableName(source);
	const stage = `${table}_stage`;
	await dropTable(p, stage);
	await createTable(p, stage, `SELECT * FROM ${table}`, undefined, { name: 'MergeTree', clauses: LAYOUT });
	try {
		await command(`${insertInto(p, stage)} SELECT * FROM ${table} WHERE toYYYYMM(day) = {month:UInt32} AND day NOT IN {days:Array(Date)}`, {
			tag: `day-tables:keep:${source}`,
			params: { month, days }
		});
		// Settings in the statement: through chDB a per-call setting would stay for every later query.
		await command(`${insertInto(p, stage)} SELECT * FROM (\n${planOf(source).sql}\n) WHERE day IN {days:Array(Date)} SETTINGS max_execution_time = 0`, {
			tag: `day-tables:days:${source}`,
			params: { from: days[0], to: addDays(days.at(-1)!, 1), days }
		});
		await swapMonth(p, table, month, stage);
	} finally {
		await dropTable(p, stage);
	}
}

/** Computes every day with data again (a month per statement where BUILT_BY_MONTH says so) into a fresh table swapped in whole. */
async function rebuildAll(source: DayTableSource, snap: Snapshot): Promise<void> {
	const table = dayTableName(source);
	const next = `${table}_next`;
	const sql = planOf(source).sql;
	const p = snap.place;
	if (source === NOVELTY) await rebuildFirstCreators(p, snap.version);
	await dropTable(p, next);
	await createTable(p, next, sql, { from: snap.days.first, to: addDays(snap.days.last, 1) }, { name: 'MergeTree', clauses: LAYOUT });
	try {
		const all: [string, string] = [snap.days.first, addDays(snap.days.last, 1)];
		for (const [from, to] of BUILT_BY_MONTH.has(source) ? months(...all) : [all]) {
			await command(`${insertInto(p, next)} SELECT * FROM (\n${sql}\n) WHERE day >= {from:Date} AND day < {to:Date} SETTINGS max_execution_time = 0`, {
				tag: `day-tables:build:${source}`,
				params: { from, to }
			});
		}
	} catch (e) {
		await dropTable(p, next).catch(() => undefined);
		throw e;
	}
	// Every replica holds the new rows before a panel may read them from any.
	await syncReplicas(p, [next]);
	await swapIn(p, next, table, snap.tables.has(p.cluster ? `${table}_local` : table));
	snap.tables.add(table);
}

/** [from, to) cut at the first of every month. */
function months(from: string, to: string): [string, string][] {
	const out: [string, string][] = [];
	for (let a = from; a < to; ) {
		const d = new Date(`${a}T00:00:00Z`);
		const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
		const b = next < to ? next : to;
		out.push([a, b]);
		a = b;
	}
	return out;
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
