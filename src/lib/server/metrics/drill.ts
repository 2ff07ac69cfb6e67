import { existsSync } from 'node:fs';
import type { Dimension, MetricRequest, MetricRequestInput } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { query, type Params } from '../warehouse/index.js';
import { countMatching, streamCapped, type CappedStream } from '../warehouse/stream.js';
import { inPersonSlot } from '../http/person-slots.js';
import { baseParams, filterClause, MetricRequestError } from './build-query.js';
import { getMetric, supportedDimensions } from './registry.js';
import { parseMetricRequest } from './run.js';
import { metricSql } from './sql-files.js';
import { drilldownListsPeople } from './user-rows.js';
import { namingMissingFxRate } from './fx.js';

/**
 * The rows behind a number: `sql/metrics/drill/<name>.sql` (named by the
 * metric's `drilldown`) lists them for the period, with the same parameters as
 * the metric (period, what-if knobs). The request's dimension filters apply to
 * the drill-down's columns of the same name; a filter on a column the drill-down
 * lacks is reported, not silently dropped.
 */
export const DRILL_PAGE_ROWS = 1000;
/** CSV of "all" rows still stops somewhere: a browser cannot open more anyway. */
export const DRILL_MAX_ROWS = 1_000_000;

export interface DrillResult {
	metric: string;
	title: string;
	from: string;
	to: string;
	file: string;
	sql: string;
	params: Params;
	columns: { name: string; type: string }[];
	rows: Record<string, unknown>[];
	/** Rows matching, before the limit. */
	total: number;
	limit: number;
	/** The rows are about individual end users (only some roles may see them). */
	hasUserRows: boolean;
	ignoredFilters: string[];
}

export async function runDrilldown(input: MetricRequestInput, opts: { limit?: number; signal?: AbortSignal } = {}): Promise<DrillResult> {
	const { req, def, name } = drillTarget(input);
	const limit = Math.max(1, Math.min(opts.limit ?? DRILL_PAGE_ROWS, DRILL_MAX_ROWS));
	const result = await queryRows(name, req, { limit, count: true, tag: `drill:${req.metric}`, signal: opts.signal });
	return {
		metric: req.metric,
		title: def.title,
		from: req.from,
		to: req.to,
		...result,
		total: result.total ?? result.rows.length,
		limit,
		hasUserRows: drilldownListsPeople(req.metric)
	};
}

export interface DrillStream extends Omit<DrillResult, 'rows' | 'limit'>, Pick<RowsStream, 'rows' | 'sending'> {}

/**
 * A metric's drill-down for an export: counted first, then streamed from the
 * warehouse in chunks (at most `cap` rows), never held whole (streamRows).
 */
export async function streamDrilldown(input: MetricRequestInput, opts: { cap: number; signal?: AbortSignal }): Promise<DrillStream> {
	const { req, def, name } = drillTarget(input);
	const result = await streamRows(name, req, { cap: opts.cap, tag: `drill:${req.metric}:export`, signal: opts.signal });
	return { metric: req.metric, title: def.title, from: req.from, to: req.to, ...result, hasUserRows: drilldownListsPeople(req.metric) };
}

/** The request, its metric and drill-down file, checked: a drill-down that exists, filters it supports. */
function drillTarget(input: MetricRequestInput) {
	const req = parseMetricRequest(input);
	const def = getMetric(req.metric);
	if (!def.drilldown) throw new MetricRequestError('metric', `${req.metric} has no drill-down`);
	const file = `sql/metrics/drill/${def.drilldown}.sql`;
	if (!existsSync(sqlPath('metrics', 'drill', `${def.drilldown}.sql`))) {
		throw new MetricRequestError('metric', `${req.metric}: its drill-down (${file}) is not written yet`);
	}
	const allowed = supportedDimensions(def);
	const bad = Object.keys(req.filters).find((d) => !allowed.includes(d as Dimension));
	if (bad) throw new MetricRequestError(bad, `${req.metric} cannot be filtered by ${bad}; it supports ${allowed.join(', ') || 'no dimensions'}`);
	return { req, def, name: def.drilldown };
}

export interface RowsResult {
	/** sql/metrics/drill/<name>.sql, and the exact statement and parameters run. */
	file: string;
	sql: string;
	params: Params;
	columns: { name: string; type: string }[];
	rows: Record<string, unknown>[];
	/** Rows matching before the limit, when asked for. */
	total?: number;
	/** Filters on columns the file does not have: reported, not silently dropped. */
	ignoredFilters: string[];
}

/**
 * The one way to run a rows query (drill-downs, the row tables of pages):
 * sql/metrics/drill/<name>.sql over the request's period, with the metric
 * parameters (period, what-if knobs). Filters go where the file puts its
 * `/*filters*\/` marker (before its own grouping), else around it on the
 * columns of the same name. Some files end in their own `LIMIT {limit:UInt32}`
 * (a page's top N): that inner limit is `cap`, and the page size is a
 * separate parameter, so filters and the total are not cut to the first page.
 */
export async function queryRows(
	name: string,
	req: MetricRequest,
	opts: { limit: number; cap?: number; count?: boolean; numeric?: boolean; tag: string; signal?: AbortSignal }
): Promise<RowsResult> {
	const st = await rowsStatement(name, req, { cap: opts.cap, tag: opts.tag, signal: opts.signal });
	const params: Params = { ...st.params, page_limit: opts.limit };
	// Each counts against the person's two uncached queries at a time (http/person-slots.ts).
	// A missing FX rate fails the statement: namingMissingFxRate says which currency and day.
	const [rows, total] = await namingMissingFxRate(params, () => Promise.all([
		inPersonSlot(() => query<Record<string, unknown>>(st.sql, { tag: opts.tag, params, signal: opts.signal })),
		opts.count ? inPersonSlot(() => countMatching(st.matching, { params: st.params, tag: opts.tag, signal: opts.signal })) : Promise.resolve(undefined)
	]));
	return {
		file: st.file,
		sql: st.sql,
		params,
		columns: st.columns,
		rows: opts.numeric ? rows.map((r) => numericColumns(r, st.columns)) : rows,
		total,
		ignoredFilters: st.ignoredFilters
	};
}

export interface RowsStream extends Omit<RowsResult, 'rows' | 'total'>, CappedStream<Record<string, unknown>> {}

/**
 * queryRows for exports: the same statement (file, filters, parameters), but
 * the rows are streamed from the warehouse (warehouse/stream.ts) instead of
 * returned whole, so an export holds one chunk at a time. The rows are counted
 * first, so the response can state how many it will carry before it sends
 * them; the stream is limited to that many (`page_limit`).
 */
export async function streamRows(name: string, req: MetricRequest, opts: { cap: number; tag: string; signal?: AbortSignal }): Promise<RowsStream> {
	const st = await rowsStatement(name, req, { tag: opts.tag, signal: opts.signal });
	const streamed = await namingMissingFxRate(st.params, () =>
		streamCapped<Record<string, unknown>>(st.matching, { params: st.params, cap: opts.cap, tag: opts.tag, signal: opts.signal, counted: inPersonSlot })
	);
	return { file: st.file, columns: st.columns, ignoredFilters: st.ignoredFilters, ...streamed };
}

interface RowsStatement {
	file: string;
	/** The rows before the page limit, for counting. */
	matching: string;
	/** `matching` with `LIMIT {page_limit:UInt32}`. */
	sql: string;
	params: Params;
	columns: { name: string; type: string }[];
	ignoredFilters: string[];
}

/**
 * sql/metrics/drill/<name>.sql as a statement over the request: filters go
 * where the file puts its `/*filters*\/` marker (before its own grouping), else
 * around it on the columns of the same name.
 */
async function rowsStatement(name: string, req: MetricRequest, opts: { cap?: number; tag: string; signal?: AbortSignal }): Promise<RowsStatement> {
	const params: Params = { ...baseParams(req), limit: opts.cap ?? DRILL_MAX_ROWS };
	const text = metricSql(`drill/${name}`);
	const inside = text.includes(FILTERS_MARKER);
	const inner = inside ? text.replace(FILTERS_MARKER, filterClause(req)) : text;
	const columns = (
		await query<{ name: string; type: string }>(`DESCRIBE TABLE (\n${inner}\n)`, { tag: `${opts.tag}:describe`, params, signal: opts.signal })
	).map((c) => ({ name: c.name, type: c.type }));
	const names = new Set(columns.map((c) => c.name));
	const ignoredFilters: string[] = [];
	let where = '';
	for (const [dim, values] of Object.entries(inside ? {} : req.filters)) {
		if (!values?.length) continue;
		// `dim` is a zod-enum dimension name; values are parameters.
		if (names.has(dim)) where += ` AND ${dim} IN {f_${dim}:Array(String)}`;
		else ignoredFilters.push(dim);
	}
	const body = `SELECT *\nFROM (\n${inner}\n) AS drill\nWHERE 1${where}`;
	return { file: `sql/metrics/drill/${name}.sql`, matching: body, sql: `${body}\nLIMIT {page_limit:UInt32}`, params, columns, ignoredFilters };
}


/** Where a rows file wants the request's filters, before its own grouping. */
const FILTERS_MARKER = '/*filters*/';

/** ClickHouse JSON gives 64-bit integers and Decimals as strings: numbers again, by the column's type, not its looks. */
function numericColumns(row: Record<string, unknown>, columns: readonly { name: string; type: string }[]): Record<string, unknown> {
	const out = { ...row };
	for (const c of columns) {
		if (/^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type) && typeof out[c.name] === 'string') out[c.name] = Number(out[c.name]);
	}
	return out;
}
