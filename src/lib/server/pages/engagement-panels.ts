import type { Dimension, MetricId, MetricRow } from '../../contracts/metrics.js';
import type { MetricMeta } from '../../panel.js';
import { addDays, type PageState } from '../../url-state.js';
import { query } from '../warehouse/index.js';
import { cachedForPages } from './page-cache.js';
import { metricPanel } from './panel.js';
import { queryRows } from '../metrics/drill.js';
import { getMetric } from '../metrics/registry.js';
import { parseMetricRequest } from '../metrics/run.js';

/**
 * Server helpers of the Engagement and Feed health pages. Every number still
 * comes from `metricPanel` (= runMetric, cached per data version in
 * page-cache.ts); this adds side-by-side comparison tables and the rows behind a
 * metric, cached the same way (one answer per request and data version; an
 * ingest through this process forgets the version, so new rows show on the next
 * visit, late data for an old day included).
 */

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
	return cachedForPages('engagement', key, make);
}

export interface ComparisonColumn {
	metric: MetricId;
	label: string;
}

export interface ComparisonTable {
	ok: boolean;
	dim: Dimension;
	period: { from: string; to: string };
	columns: ComparisonColumn[];
	/** One row per dimension value: `<metric>`, `<metric>_ci_low`, `<metric>_ci_high`. */
	rows: Record<string, string | number | null>[];
	metas: MetricMeta[];
	errors: string[];
}

/**
 * One row per value of `dim` (arm, mode…) with each metric's value and its 95 %
 * interval, over the last `days` days of the period, so groups that started
 * mid-period (a new arm) are compared over the same days.
 */
export async function comparisonTable(state: PageState, dim: Dimension, columns: ComparisonColumn[], days = 28): Promise<ComparisonTable> {
	const from = addDays(state.to, -days) > state.from ? addDays(state.to, -days) : state.from;
	const period = { from, to: state.to };
	const panels = await Promise.all(
		columns.map((c) => metricPanel({ metric: c.metric, ...period, grain: 'total', group_by: [dim], filters: state.filters }))
	);
	const rows = new Map<string, Record<string, string | number | null>>();
	const metas: MetricMeta[] = [];
	const errors: string[] = [];
	panels.forEach((p, i) => {
		const c = columns[i]!;
		if (!p.ok) {
			errors.push(`${c.label}: ${p.error}`);
			return;
		}
		metas.push(p.meta);
		for (const r of p.response.rows) {
			const key = String(r[dim] ?? '');
			const row = rows.get(key) ?? { [dim]: key };
			row[c.metric] = num(r.value);
			row[`${c.metric}_ci_low`] = num(r.ci_low);
			row[`${c.metric}_ci_high`] = num(r.ci_high);
			rows.set(key, row);
		}
	});
	return { ok: metas.length > 0, dim, period, columns, rows: [...rows.values()].sort((a, b) => String(a[dim]).localeCompare(String(b[dim]))), metas, errors };
}

function num(v: unknown): number | null {
	return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface RowsPanel {
	ok: boolean;
	title: string;
	/** sql/metrics/drill/<name>.sql and the exact statement and parameters run. */
	file: string;
	sql: string;
	params: Record<string, unknown>;
	rows: MetricRow[];
	error?: string;
}

/**
 * The rows behind a metric (its drill-down, sql/metrics/drill/<name>.sql) over
 * the period, the first `limit` of them, run like every rows query (drill.ts);
 * never throws.
 */
export function rowsPanel(metric: MetricId, title: string, period: { from: string; to: string }, limit = 50): Promise<RowsPanel> {
	const name = getMetric(metric).drilldown ?? '';
	const file = `sql/metrics/drill/${name}.sql`;
	return cached(`rows:${metric}:${JSON.stringify([period, limit])}`, async () => {
		const req = parseMetricRequest({ metric, ...period });
		const result = await queryRows(name, req, { limit, cap: limit, tag: `page:${name}` });
		return { ok: true, title, file, sql: result.sql, params: result.params, rows: result.rows as MetricRow[] } satisfies RowsPanel;
	}).catch((e: Error) => ({ ok: false, title, file, sql: '', params: {}, rows: [], error: e.message.split('\n')[0]!.slice(0, 400) }));
}

/**
 * The period trimmed to whole weeks (Monday) or months at its start, so a
 * trend's first point is not a one-day "week" that looks like a collapse.
 */
export function wholePeriodStart(state: Pick<PageState, 'from' | 'to' | 'grain'>): { from: string; to: string } {
	const d = new Date(`${state.from}T00:00:00Z`);
	if (state.grain === 'week') {
		const shift = (8 - d.getUTCDay()) % 7; // days to the next Monday (0 when already one)
		d.setUTCDate(d.getUTCDate() + shift);
	} else if (state.grain === 'month' && d.getUTCDate() !== 1) {
		d.setUTCMonth(d.getUTCMonth() + 1, 1);
	}
	const from = d.toISOString().slice(0, 10);
	return { from: from < state.to ? from : state.from, to: state.to };
}

/** First and last day each value of a dimension was served (rollouts, launches), from human impressions. */
export function firstSeen(dim: 'rec_arm' | 'feed_mode'): Promise<{ value: string; first: string; last: string }[]> {
	// The column name comes from this fixed union, never from input.
	return cached(`first-seen:${dim}`, () =>
		query<{ value: string; first: string; last: string }>(
			`SELECT toString(${dim}) AS value, toString(min(toDate(ts))) AS first, toString(max(toDate(ts))) AS last FROM impressions WHERE NOT is_internal GROUP BY value ORDER BY first, value`,
			{ tag: `page:first-seen:${dim}` }
		)
	).catch(() => []);
}
