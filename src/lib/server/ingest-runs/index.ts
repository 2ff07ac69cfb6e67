import { fileSources, type FileSource } from '../../contracts/ingest.js';
import { query } from '../warehouse/index.js';
import { streamCapped, type CappedStream } from '../warehouse/stream.js';
import { RULE_SQL } from './rule-sql.js';

/**
 * Read side of ingest bookkeeping, shared by `loopmeter status`, the Ingest
 * page and its JSON API. ingest_runs is rewritten as a run progresses, so
 * every read goes through FINAL (the table is small: one row per file loaded).
 */

export interface RunRow {
	run_id: string;
	source: string;
	file: string;
	file_hash: string;
	format: string;
	bytes: number;
	started_at: string;
	finished_at: string | null;
	duration_ms: number | null;
	actor: string;
	via: string;
	rows_read: number;
	rows_loaded: number;
	rows_duplicate: number;
	rows_rejected: number;
	rows_warned: number;
	outcome: string;
	message: string;
}

const RUN_COLUMNS = `run_id, toString(source) AS source, file, file_hash, toString(format) AS format, toUInt64(bytes) AS bytes,
	toString(started_at) AS started_at, if(finished_at IS NULL, NULL, toString(finished_at)) AS finished_at,
	actor, toString(via) AS via, rows_read, rows_loaded, rows_duplicate, rows_rejected, rows_warned, toString(outcome) AS outcome, message`;

// UInt64 counters come back as strings when quoted; these stay far below 2^53.
const NUMS = ['bytes', 'rows_read', 'rows_loaded', 'rows_duplicate', 'rows_rejected', 'rows_warned', 'duration_ms'] as const;
function numeric(r: RunRow): RunRow {
	const o = r as unknown as Record<string, unknown>;
	for (const k of NUMS) if (o[k] !== null && o[k] !== undefined) o[k] = Number(o[k]);
	const ms = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);
	r.duration_ms = r.finished_at ? ms(r.finished_at) - ms(r.started_at) : null;
	return r;
}

export async function listRuns(opts: { source?: FileSource | 'stripe_events'; limit?: number } = {}): Promise<RunRow[]> {
	const rows = await query<RunRow>(
		`SELECT ${RUN_COLUMNS} FROM ingest_runs FINAL
		 WHERE {source:String} = '' OR source = {source:String}
		 ORDER BY started_at DESC LIMIT {limit:UInt32}`,
		{ tag: 'ingest_runs.list', params: { source: opts.source ?? '', limit: opts.limit ?? 200 } }
	);
	return rows.map((r) => numeric(r));
}

/** The most recent run of each source that has one. */
export async function lastRunPerSource(): Promise<RunRow[]> {
	const rows = await query<RunRow>(
		`SELECT ${RUN_COLUMNS} FROM ingest_runs FINAL ORDER BY started_at DESC LIMIT 1 BY source`,
		{ tag: 'ingest_runs.last_per_source' }
	);
	return rows.map((r) => numeric(r));
}

/** Event time of each source's rows, so a day with no rows is a visible gap. */
const DAY_OF: Record<Exclude<FileSource, 'gpu_fleet' | 'gpu_price_sheets' | 'gpu_invoices' | 'budgets'>, { table: string; day: string }> = {
	engagement: { table: 'impressions', day: 'toDate(ts)' },
	videos: { table: 'videos', day: 'toDate(created_at)' },
	users: { table: 'users', day: 'toDate(signup_at)' },
	generation_jobs: { table: 'generation_jobs', day: 'toDate(started_at)' },
	ad_revenue: { table: 'ad_revenue', day: 'date' },
	fx_rates: { table: 'fx_rates', day: 'date' }
};

export interface DayCount {
	day: string;
	source: string;
	rows: number;
}

/**
 * Rows per event day and source over [from, to), every day present (zero when
 * nothing arrived). impressions and jobs are read without FINAL: ingest never
 * inserts a key twice there. videos and users count their latest rows.
 */
export async function rowsPerDay(from: string, to: string): Promise<DayCount[]> {
	return [...everyDay(from, to, await nonZeroDays(from, to))];
}

/**
 * The days with rows, by `source|day`: at most one entry per source and day of
 * the period (the period is cut to the data and at most five years before it
 * gets here: period-bounds.ts).
 */
export async function nonZeroDays(from: string, to: string): Promise<Map<string, number>> {
	const parts = Object.entries(DAY_OF).map(([source, { table, day }]) => {
		const final = table === 'videos' || table === 'users' || table === 'ad_revenue' ? ' FINAL' : '';
		return `SELECT '${source}' AS source, ${day} AS day, count() AS rows FROM ${table}${final}
			WHERE ${day} >= {from:Date} AND ${day} < {to:Date} GROUP BY day`;
	});
	const got = await query<{ source: string; day: string; rows: string }>(
		`SELECT source, toString(day) AS day, toString(rows) AS rows FROM (${parts.join(' UNION ALL ')}) ORDER BY day, source`,
		{ tag: 'ingest_runs.rows_per_day', params: { from, to } }
	);
	return new Map(got.map((r) => [`${r.source}|${r.day}`, Number(r.rows)]));
}

/** Every day of [from, to) and source, zero where nothing arrived: produced one at a time, so a response can be written as it goes. */
export function* everyDay(from: string, to: string, counts: ReadonlyMap<string, number>): Generator<DayCount> {
	for (let d = new Date(`${from}T00:00:00Z`); d < new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
		const day = d.toISOString().slice(0, 10);
		for (const source of Object.keys(DAY_OF)) yield { day, source, rows: counts.get(`${source}|${day}`) ?? 0 };
	}
}

/**
 * Reference data dated ahead of the events: exchange rates are often loaded
 * for months to come, so their days would move the default period past the
 * last day anything happened.
 */
const REFERENCE_SOURCES: ReadonlySet<string> = new Set(['fx_rates']);

/** The first and last event day of any source but reference data: a sensible default period for the page. */
export async function dataSpan(): Promise<{ first: string | null; last: string | null }> {
	const events = Object.entries(DAY_OF).filter(([source]) => !REFERENCE_SOURCES.has(source));
	const parts = events.map(([, { table, day }]) => `SELECT min(${day}) AS lo, max(${day}) AS hi FROM ${table} HAVING count() > 0`);
	const [r] = await query<{ first: string | null; last: string | null }>(
		`SELECT if(count() = 0, NULL, toString(min(lo))) AS first, if(count() = 0, NULL, toString(max(hi))) AS last FROM (${parts.join(' UNION ALL ')})`,
		{ tag: 'ingest_runs.span' }
	);
	return r ?? { first: null, last: null };
}

export interface ReasonCount {
	source: string;
	reason: string;
	rows: number;
	/** One raw row with this reason, to see what it looks like. */
	example: string;
	example_file: string;
	example_line: number;
}

/** Dead letters grouped by source and reason (the value-free part, before ", got …"). */
export async function deadLetterReasons(opts: { source?: string } = {}): Promise<ReasonCount[]> {
	const rows = await query<ReasonCount>(
		`SELECT toString(source) AS source, ${RULE_SQL} AS reason_rule, reason_rule AS reason,
			toString(count()) AS rows, any(raw) AS example, any(file) AS example_file, toString(any(line)) AS example_line
		 FROM dead_letters FINAL WHERE {source:String} = '' OR source = {source:String}
		 GROUP BY source, reason_rule ORDER BY count() DESC, source, reason_rule LIMIT 500`,
		{ tag: 'ingest_runs.dead_letter_reasons', params: { source: opts.source ?? '' } }
	);
	return rows.map((r) => ({ ...r, rows: Number(r.rows), example_line: Number(r.example_line) }));
}

export interface DeadLetterRow {
	source: string;
	file: string;
	line: number;
	field: string;
	reason: string;
	raw: string;
	run_id: string;
	ingested_at: string;
}

/** Dead letters matching the filters, newest first: the statement behind the list and its export. */
const DEAD_LETTERS_MATCHING = `SELECT toString(source) AS source, file, toString(line) AS line, field, reason, raw, run_id, toString(ingested_at) AS ingested_at
		 FROM dead_letters FINAL
		 WHERE ({source:String} = '' OR source = {source:String})
		   AND ({reason:String} = '' OR ${RULE_SQL} = {reason:String})
		   AND ({run:String} = '' OR run_id = {run:String})
		 ORDER BY ingested_at DESC, file, line`;

export interface DeadLetterFilter {
	source?: string;
	reason?: string;
	runId?: string;
}

const deadLetterParams = (f: DeadLetterFilter) => ({ source: f.source ?? '', reason: f.reason ?? '', run: f.runId ?? '' });

/** Dead-letter rows, newest first; `limit` 0 = all. */
export async function deadLetters(opts: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetterRow[]> {
	const rows = await query<DeadLetterRow>(`${DEAD_LETTERS_MATCHING}\n LIMIT {limit:UInt64}`, {
		tag: 'ingest_runs.dead_letters',
		params: { ...deadLetterParams(opts), limit: opts.limit === 0 ? 1e12 : (opts.limit ?? 200) }
	});
	return rows.map((r) => ({ ...r, line: Number(r.line) }));
}

/** The dead letters for an export: counted, then streamed from the warehouse, at most `cap` rows (warehouse/stream.ts). */
export function streamDeadLetters(filter: DeadLetterFilter, opts: { cap: number; signal?: AbortSignal }): Promise<CappedStream<Record<string, unknown>>> {
	return streamCapped(DEAD_LETTERS_MATCHING, { params: deadLetterParams(filter), cap: opts.cap, tag: 'ingest_runs.dead_letters:export', signal: opts.signal });
}

export const ingestPageSources = fileSources;

/** The requested period, or the 90 days up to the last day with data. */
export async function pagePeriod(from?: string, to?: string): Promise<{ from: string; to: string }> {
	if (from && to) return { from, to };
	const span = await dataSpan();
	const end = to ?? addDays(span.last ?? new Date().toISOString().slice(0, 10), 1);
	return { from: from ?? addDays(end, -90), to: end };
}

function addDays(d: string, n: number): string {
	const t = new Date(`${d}T00:00:00Z`);
	t.setUTCDate(t.getUTCDate() + n);
	return t.toISOString().slice(0, 10);
}

export interface Gap {
	source: string;
	from: string;
	/** Last empty day (inclusive). */
	to: string;
	days: number;
}

/**
 * Runs of empty days between a source's first and last day with rows: a feed
 * that stopped and came back. Empty days before the first or after the last
 * row are not gaps (the source starts later, or the period runs past the data).
 */
export function gapsOf(days: readonly DayCount[]): Gap[] {
	const bySource = new Map<string, DayCount[]>();
	for (const d of days) bySource.set(d.source, [...(bySource.get(d.source) ?? []), d]);
	const gaps: Gap[] = [];
	for (const [source, list] of bySource) {
		const sorted = [...list].sort((a, b) => a.day.localeCompare(b.day));
		const first = sorted.findIndex((d) => d.rows > 0);
		const last = sorted.findLastIndex((d) => d.rows > 0);
		let open: Gap | undefined;
		for (let i = first + 1; first >= 0 && i < last; i++) {
			const d = sorted[i]!;
			if (d.rows === 0) {
				if (open) {
					open.to = d.day;
					open.days++;
				} else open = { source, from: d.day, to: d.day, days: 1 };
			} else if (open) {
				gaps.push(open);
				open = undefined;
			}
		}
		if (open) gaps.push(open);
	}
	return gaps;
}
