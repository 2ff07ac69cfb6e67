import { existsSync } from 'node:fs';
import type { Dimension, MetricRequestInput } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { query, type Params } from '../warehouse/index.js';
import { baseParams, MetricRequestError } from './build-query.js';
import { getMetric, supportedDimensions } from './registry.js';
import { parseMetricRequest } from './run.js';
import { metricSql } from './sql-files.js';

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

	const limit = Math.max(1, Math.min(opts.limit ?? DRILL_PAGE_ROWS, DRILL_MAX_ROWS));
	// Some drill files end in their own `LIMIT {limit:UInt32}` (the feed-health
	// tables run them directly for a top 50). Here that inner limit is the cap of
	// "all" rows, and the page size is a separate parameter: binding the page size
	// to the inner limit made filters apply to the first page only and capped the
	// reported total at the page size.
	const params: Params = { ...baseParams(req), limit: DRILL_MAX_ROWS, page_limit: limit };
	const inner = metricSql(`drill/${def.drilldown}`);
	const tag = `drill:${req.metric}`;
	const columns = (
		await query<{ name: string; type: string }>(`DESCRIBE TABLE (\n${inner}\n)`, { tag: `${tag}:describe`, params, signal: opts.signal })
	).map((c) => ({ name: c.name, type: c.type }));
	const names = new Set(columns.map((c) => c.name));
	const ignoredFilters: string[] = [];
	let where = '';
	for (const [dim, values] of Object.entries(req.filters)) {
		if (!values?.length) continue;
		// `dim` is a zod-enum dimension name checked above; values are parameters.
		if (names.has(dim)) where += ` AND ${dim} IN {f_${dim}:Array(String)}`;
		else ignoredFilters.push(dim);
	}
	const body = `SELECT *\nFROM (\n${inner}\n) AS drill\nWHERE 1${where}`;
	const sql = `${body}\nLIMIT {page_limit:UInt32}`;
	const [rows, count] = await Promise.all([
		query<Record<string, unknown>>(sql, { tag, params, signal: opts.signal }),
		query<{ n: string }>(`SELECT toString(count()) AS n FROM (\n${body}\n)`, { tag: `${tag}:count`, params, signal: opts.signal })
	]);
	return {
		metric: req.metric,
		title: def.title,
		from: req.from,
		to: req.to,
		file,
		sql,
		params,
		columns,
		rows,
		total: Number(count[0]?.n ?? rows.length),
		limit,
		hasUserRows: def.drilldownHasUserRows ?? false,
		ignoredFilters
	};
}
