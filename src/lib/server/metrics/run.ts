import { metricRequest, describeZodError, type MetricRequestInput, type MetricResponse, type MetricRow } from '../../contracts/metrics.js';
import { query } from '../warehouse/index.js';
import { inPersonSlot } from '../http/person-slots.js';
import { buildMetricQuery, dependsOnCohortBy, dependsOnIdlePolicy, effectiveIdlePolicy, MetricRequestError, type BuiltQuery } from './build-query.js';
import { readableDayTables } from './day-tables.js';
import { buildOnValidDays } from './day-table-validity.js';
import { namingMissingFxRate } from './fx.js';
import { getMetric } from './registry.js';

export { MetricRequestError } from './build-query.js';

/** Validates untrusted input (API query string, CLI flags) into a request, or throws naming the field. */
export function parseMetricRequest(input: MetricRequestInput) {
	const parsed = metricRequest.safeParse(input);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new MetricRequestError(issue.path.join('.') || 'request', describeZodError(parsed.error).replace(/^[^:]+: /, ''));
	}
	return parsed.data;
}

export interface MetricResult {
	response: MetricResponse;
	query: BuiltQuery;
}

/** The one way any panel, CSV export, API call or CLI call computes a metric. */
export async function runMetric(input: MetricRequestInput, opts: { signal?: AbortSignal; forceRaw?: boolean } = {}): Promise<MetricResult> {
	const req = parseMetricRequest(input);
	const def = getMetric(req.metric);
	// forceRaw (the benchmark's and tests' other path) reads neither rollups nor day tables. Nor does
	// an as_of request: a day table holds figures computed from today's loads, not those as of then.
	// Otherwise every day table whose days this request reads all match the data (after an ingest,
	// the days its refresh has not swapped in yet are computed from the files instead).
	const built =
		opts.forceRaw || req.as_of
			? buildMetricQuery(req, getMetric, { forceRaw: opts.forceRaw })
			: await buildOnValidDays(await readableDayTables(), (dayTables) => buildMetricQuery(req, getMetric, { dayTables }));
	// At most two uncached metric queries per person at once (http/person-slots.ts).
	// A figure in USD from Stripe amounts in other currencies fails naming the missing rate (fx.ts).
	const rows = await namingMissingFxRate(built.params, () =>
		inPersonSlot(() => query<Record<string, unknown>>(built.sql, { tag: `metric:${req.metric}`, params: built.params, signal: opts.signal }))
	);
	return {
		response: {
			metric: req.metric,
			unit: def.unit,
			from: req.from,
			to: req.to,
			grain: req.grain,
			group_by: req.group_by,
			// Said only where it matters, so a reader knows who carries idle capacity in these figures.
			...(dependsOnIdlePolicy(built.sql) ? { idle_policy: effectiveIdlePolicy(req) } : {}),
			...(dependsOnCohortBy(built.sql) ? { cohort_by: req.cohort_by ?? 'signup_week' } : {}),
			...(req.as_of ? { as_of: req.as_of } : {}),
			rows: rows.map((r) => normalizeRow(r, req.group_by))
		},
		query: built
	};
}

/** ClickHouse JSON gives Decimals and 64-bit ints as strings; metric values are numbers. */
function normalizeRow(row: Record<string, unknown>, labels: readonly string[]): MetricRow {
	const out: MetricRow = {};
	for (const [k, v] of Object.entries(row)) {
		// Period and group columns are labels even when they look numeric.
		if (k === 'period' || labels.includes(k) || typeof v !== 'string' || !/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) {
			out[k] = v === undefined ? null : (v as string | number | null);
			continue;
		}
		out[k] = Number(v);
	}
	// NaN/Infinity (e.g. a ratio over zero hours) are not JSON: report them as null.
	for (const [k, v] of Object.entries(out)) if (typeof v === 'number' && !Number.isFinite(v)) out[k] = null;
	return out;
}
