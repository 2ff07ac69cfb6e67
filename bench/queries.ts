import type { Dimension, MetricRequestInput } from '../src/lib/contracts/metrics.js';
import { defaultPeriod } from '../src/lib/url-state.js';
import { listMetrics, supportedDimensions, type MetricDefinition } from '../src/lib/server/metrics/registry.js';
import { DayTablesError, refreshDayTables, type DayTableBuild } from '../src/lib/server/metrics/day-tables.js';
import { runMetric } from '../src/lib/server/metrics/run.js';
import { latestDataDay } from '../src/lib/server/pages/page-state.js';
import { command, query } from '../src/lib/server/warehouse/index.js';
import { percentile, timed } from './stats.js';

export interface PathTiming {
	file: string;
	coldMs: number;
	p50Ms: number;
	p95Ms: number;
	rows: number;
	/** The query read a rollup table or a day table. */
	rollup?: boolean;
	/** The day tables it read. */
	dayTables?: string[];
}

export interface QueryTiming {
	metric: string;
	request: string;
	served: PathTiming;
	/** The same request forced onto raw tables; absent when the metric has no rollup for it. */
	raw?: PathTiming;
	/** The raw side failed (at 100 M impressions some exceed the phase's time limit): the served figure stands. */
	rawError?: string;
	error?: string;
}

export interface TableSize {
	table: string;
	rows: number;
	bytesOnDisk: number;
}

export interface QueriesResult {
	period: { from: string; to: string };
	repeats: number;
	timings: QueryTiming[];
	tables: TableSize[];
	/** Day tables rebuilt before timing (none when they matched the data already). */
	dayTables?: DayTableBuild[];
}

export interface QueriesOptions {
	repeats: number;
	/** Group-by requests per metric (the pages' breakdowns use the first dimensions of the first source). */
	groupBys: number;
	only?: string[];
	log: (line: string) => void;
	/** Called after every metric with the figures so far: a long run killed midway keeps what it measured. */
	save?: (partial: QueriesResult) => void;
}

/**
 * The requests a page makes for one metric with its default state: the tile's
 * total, the chart's daily series over the last 28 days, and daily breakdowns by
 * the metric's leading dimensions.
 */
export function panelRequests(def: MetricDefinition, period: { from: string; to: string }, groupBys: number): { label: string; input: MetricRequestInput }[] {
	const base = { metric: def.id, ...period };
	const dims = (def.sources[0]?.dimensions ?? []).slice(0, groupBys) as Dimension[];
	// Plan is the breakdown finance uses most, and often served by another source.
	if (groupBys > 0 && supportedDimensions(def).includes('plan') && !dims.includes('plan')) dims.push('plan');
	return [
		{ label: 'total', input: { ...base, grain: 'total' } },
		{ label: 'day', input: { ...base, grain: 'day' } },
		...dims.map((d) => ({ label: `day by ${d}`, input: { ...base, grain: 'day' as const, group_by: [d] } }))
	];
}

// Cold = first run after ClickHouse drops its mark and uncompressed-block
// caches. The OS page cache is not dropped (that needs root and slows every
// other process on the machine), so "cold" means engine-cold, not disk-cold.
async function dropCaches(): Promise<void> {
	for (const s of ['SYSTEM DROP MARK CACHE', 'SYSTEM DROP UNCOMPRESSED CACHE', 'SYSTEM DROP QUERY CACHE']) {
		await command(s, { tag: 'bench:drop-caches' }).catch(() => undefined);
	}
}

const SLOW_MS = 5_000;

async function timePath(input: MetricRequestInput, forceRaw: boolean, repeats: number): Promise<PathTiming> {
	await dropCaches();
	const cold = await timed(() => runMetric(input, { forceRaw }));
	// As run: whether it read a rollup or a day table is known once the request is built with the current ones.
	const { file, rollup, dayTables } = cold.value.query;
	const warm: number[] = [];
	// A query that takes seconds is far outside the target already; one warm run
	// says how far, and keeps a 100 M-row bench within the hour.
	// The raw side of a pair over 100 M impressions takes tens of seconds: its cold
	// run alone is the figure (the OS page cache is warm by then anyway).
	const n = cold.ms > SLOW_MS ? (forceRaw ? 0 : 1) : repeats;
	for (let i = 0; i < n; i++) warm.push((await timed(() => runMetric(input, { forceRaw }))).ms);
	if (!warm.length) warm.push(cold.ms);
	return { file, rollup, dayTables, coldMs: cold.ms, p50Ms: percentile(warm, 50), p95Ms: percentile(warm, 95), rows: cold.value.response.rows.length };
}

export async function benchQueries(opts: QueriesOptions): Promise<QueriesResult> {
	const end = await latestDataDay();
	if (!end) throw new Error('The bench warehouse is empty: run `loopmeter bench generate` first.');
	const period = defaultPeriod(end);
	// What a served dashboard reads: the day tables the server builds after every ingest.
	opts.log('Bringing the day tables up to date with the data…');
	// One that cannot be built is timed live, as a served dashboard would compute it.
	const dayTables = await refreshDayTables({ log: (line) => opts.log(`  ${line}`) }).catch((e: unknown) => {
		if (e instanceof DayTablesError) return e.built;
		throw e;
	});
	opts.log(`Panel queries over ${period.from} .. ${period.to} (exclusive), ${opts.repeats} warm repeats each`);
	const timings: QueryTiming[] = [];
	for (const def of listMetrics()) {
		if (opts.only && !opts.only.includes(def.id)) continue;
		for (const { label, input } of panelRequests(def, period, opts.groupBys)) {
			try {
				const served = await timePath(input, false, opts.repeats);
				let raw: PathTiming | undefined;
				let rawError: string | undefined;
				if (served.rollup) raw = await timePath(input, true, opts.repeats).catch((e: unknown) => ((rawError = firstLine(e)), undefined));
				timings.push({ metric: def.id, request: label, served, raw, ...(rawError ? { rawError } : {}) });
				const pair = raw ? `  raw ${raw.p50Ms.toFixed(1)} ms  ×${(raw.p50Ms / served.p50Ms).toFixed(1)}` : rawError ? `  raw FAILED: ${rawError}` : '';
				opts.log(`  ${def.id.padEnd(28)} ${label.padEnd(22)} p50 ${served.p50Ms.toFixed(1).padStart(7)} ms  p95 ${served.p95Ms.toFixed(1).padStart(7)} ms  cold ${served.coldMs.toFixed(1).padStart(7)} ms${pair}`);
			} catch (e) {
				const message = firstLine(e);
				timings.push({ metric: def.id, request: label, served: { file: '', coldMs: NaN, p50Ms: NaN, p95Ms: NaN, rows: 0 }, error: message });
				opts.log(`  ${def.id.padEnd(28)} ${label.padEnd(22)} FAILED: ${message}`);
			}
		}
		opts.save?.({ period, repeats: opts.repeats, timings, tables: [], dayTables });
	}
	return { period, repeats: opts.repeats, timings, tables: await tableSizes(), dayTables };
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

export async function tableSizes(): Promise<TableSize[]> {
	const rows = await query<{ table: string; rows: string; bytes: string }>(
		`SELECT table, toString(sum(rows)) AS rows, toString(sum(bytes_on_disk)) AS bytes
		FROM system.parts WHERE active AND database = currentDatabase()
		GROUP BY table ORDER BY sum(bytes_on_disk) DESC`,
		{ tag: 'bench:table-sizes' }
	);
	return rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytesOnDisk: Number(r.bytes) }));
}
