import { searchParamsFromRequest, type Dimension, type MetricId, type MetricRequestInput, type MetricRow, type Unit } from '../../contracts/metrics.js';
import type { MetricMeta, MetricPanel, MetricTileData, TilePoint } from '../../panel.js';
import { previousPeriod, type PageState } from '../../url-state.js';
import { getMetric, listMetrics, supportedDimensions, type MetricDefinition } from '../metrics/registry.js';
import { noteRequestFailure, requestSignal } from '../http/person-slots.js';
import { cachedForPages } from './page-cache.js';
import { buildMetricQuery } from '../metrics/build-query.js';
import { currentDayTables } from '../metrics/day-tables.js';
import { runMetric as runMetricUncached, parseMetricRequest, MetricRequestError, type MetricResult } from '../metrics/run.js';
import type { MrrPolicy } from '../../contracts/mrr-policy.js';

/**
 * Page-side wrappers around `runMetric`: the same computation as the API and CLI,
 * packaged with what the UI needs to show where a number came from. They never
 * throw: a failing panel shows its error and the rest of the page still renders.
 */

// Panels share one in-flight or recent result per identical request and data
// version (the pages' one cache); the API and CLI always compute afresh.
// Exported for the other pages that show metric figures (the weekly digest).
export async function runMetricForPages(input: MetricRequestInput): Promise<MetricResult> {
	// Keyed by the validated request (defaults filled in), so equal requests written differently share,
	// and by the day tables it may read: a panel computed live (and maybe stopped by the time limit)
	// while they were being built is computed again from them once they are current.
	// The query stops when every page waiting for it has been left (request.signal of each,
	// carried by http/person-slots.ts); one page leaving does not cancel a result others share.
	const dayTables = [...(await currentDayTables())].sort().join(',');
	return cachedForPages('panel', `${dayTables}|${JSON.stringify(parseMetricRequest(input))}`, (signal) => runMetricUncached(input, { signal }), requestSignal());
}

function titleOf(id: MetricId): string {
	return getMetric(id).title;
}

/** Drops page filters the metric cannot apply, and says which. */
function applicableInput(def: MetricDefinition, input: MetricRequestInput): { input: MetricRequestInput; ignored: string[] } {
	const allowed = supportedDimensions(def);
	const filters: Partial<Record<Dimension, string[]>> = {};
	const ignored: string[] = [];
	for (const [dim, values] of Object.entries(input.filters ?? {})) {
		if (!values?.length) continue;
		if (allowed.includes(dim as Dimension)) filters[dim as Dimension] = values;
		else ignored.push(dim);
	}
	return { input: { ...input, filters }, ignored };
}

function meta(def: MetricDefinition, input: MetricRequestInput, file: string, sql: string, params: Record<string, unknown>, ignored: string[]): MetricMeta {
	const qs = searchParamsFromRequest(input);
	const csv = new URLSearchParams(qs);
	csv.set('format', 'csv');
	return {
		metric: def.id,
		title: def.title,
		unit: def.unit,
		definition: def.definition,
		higherIsBetter: def.higherIsBetter,
		file,
		sql,
		params,
		apiHref: `/api/v1/metrics/${def.id}?${qs}`,
		csvHref: `/api/v1/metrics/${def.id}?${csv}`,
		drillHref: def.drilldown ? `/glossary/${def.id}/rows?${withoutGrain(qs)}` : undefined,
		drilldownHasUserRows: def.drilldownHasUserRows ?? false,
		ignoredFilters: ignored
	};
}

function withoutGrain(sp: URLSearchParams): URLSearchParams {
	const out = new URLSearchParams(sp);
	out.delete('grain');
	out.delete('by');
	return out;
}

function failure(id: MetricId, e: unknown): { ok: false; metric: MetricId; title: string; error: string; unavailable?: boolean } {
	// A page showing this error is not kept as rendered (server/response-cache.ts): the next visit retries.
	noteRequestFailure();
	if (e instanceof MetricRequestError) return { ok: false, metric: id, title: titleOf(id), error: e.message };
	const message = e instanceof Error ? e.message : String(e);
	return { ok: false, metric: id, title: titleOf(id), error: message.split('\n')[0]!.slice(0, 400) };
}

/** Title and unit of every metric, from its definition: what pages label tiles and charts with. */
export function metricHeadings(): Record<MetricId, { title: string; unit: Unit }> {
	return Object.fromEntries(listMetrics().map((d) => [d.id, { title: d.title, unit: d.unit }])) as Record<MetricId, { title: string; unit: Unit }>;
}

/** One metric request → numbers + provenance, for a chart or table. */
export async function metricPanel(input: MetricRequestInput): Promise<MetricPanel> {
	const def = getMetric(input.metric);
	const { input: applied, ignored } = applicableInput(def, input);
	try {
		const { response, query } = await runMetricForPages(applied);
		return { ok: true, meta: meta(def, applied, query.file, query.sql, query.params, ignored), request: applied, response };
	} catch (e) {
		return failure(input.metric, e);
	}
}

/**
 * A headline tile: the period's total, the previous period's total (same length,
 * immediately before) and a daily sparkline. Three runs of the same definition,
 * so ratios are ratios of sums, never averages of daily ratios.
 */
export async function metricTile(
	id: MetricId,
	state: Pick<PageState, 'from' | 'to' | 'filters'>,
	opts: { sparkGrain?: 'day' | 'week'; mrr?: MrrPolicy; asOf?: string } = {}
): Promise<MetricTileData> {
	const def = getMetric(id);
	const prev = previousPeriod(state);
	const { input: total, ignored } = applicableInput(def, { metric: id, from: state.from, to: state.to, grain: 'total', filters: state.filters, mrr: opts.mrr, as_of: opts.asOf });
	try {
		if (isPlainSum(def)) {
			// A plain sum: one daily query over both periods gives the sparkline and both totals.
			const daily = await runMetricForPages({ ...total, from: prev.from, grain: 'day' });
			const rows = daily.response.rows;
			const sum = (inPeriod: (day: string) => boolean) =>
				rows.filter((r) => inPeriod(String(r.period))).reduce((acc, r) => acc + (num(r.value) ?? 0), 0);
			const current = rows.filter((r) => String(r.period) >= state.from);
			// Provenance shows the period-total query (built, not run): it gives the same number.
			const shown = buildMetricQuery(parseMetricRequest(total), getMetric);
			return {
				ok: true,
				meta: meta(def, total, shown.file, shown.sql, shown.params, ignored),
				value: sum((d) => d >= state.from),
				previous: sum((d) => d < state.from),
				previousPeriod: prev,
				spark: current.map((r): TilePoint => ({ period: String(r.period), value: num(r.value) })),
				components: {}
			};
		}
		const [cur, before, spark] = await Promise.all([
			runMetricForPages(total),
			runMetricForPages({ ...total, ...prev }),
			runMetricForPages({ ...total, grain: opts.sparkGrain ?? 'day' })
		]);
		const row = cur.response.rows[0];
		return {
			ok: true,
			meta: meta(def, total, cur.query.file, cur.query.sql, cur.query.params, ignored),
			value: num(row?.value),
			previous: num(before.response.rows[0]?.value),
			previousPeriod: prev,
			spark: spark.response.rows.map((r): TilePoint => ({ period: String(r.period), value: num(r.value) })),
			components: components(row)
		};
	} catch (e) {
		return failure(id, e);
	}
}

/** `sum(x)`: the period total is the sum of daily values (not true of ratios, distinct counts or built metrics). */
function isPlainSum(def: MetricDefinition): boolean {
	return !def.build && /^sum\([a-z_0-9]+\)$/.test(def.value.trim());
}

function num(v: unknown): number | null {
	return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function components(row: MetricRow | undefined): Record<string, number | string | null> {
	const out: Record<string, number | string | null> = {};
	for (const [k, v] of Object.entries(row ?? {})) if (k !== 'value' && k !== 'period') out[k] = v;
	return out;
}
