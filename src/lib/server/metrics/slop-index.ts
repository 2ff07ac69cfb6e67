import type { MetricId, MetricRequest } from '../../contracts/metrics.js';
import { buildMetricQuery, type BuildContext } from './build-query.js';
import { groupKeys, groupOrder, periodSelect } from './engagement-sql.js';

/**
 * The Slop Index's components: each indicator's daily `value`, and whether a
 * rise (+1) or a fall (−1) means more slop.
 */
export const SLOP_COMPONENTS: readonly { id: MetricId; direction: 1 | -1 }[] = [
	{ id: 'feed_diversity', direction: -1 },
	{ id: 'creator_concentration', direction: 1 },
	{ id: 'near_duplicate_share', direction: 1 },
	{ id: 'remix_depth', direction: 1 },
	{ id: 'novelty', direction: -1 },
	{ id: 'divergence', direction: 1 },
	{ id: 'long_session_share', direction: 1 },
	{ id: 'late_night_share', direction: 1 },
	{ id: 'autoplay_share', direction: 1 },
	{ id: 'ai_mix', direction: 1 },
	{ id: 'cameo_unconsented_share', direction: 1 },
	{ id: 'copyright_share', direction: 1 }
];

/** Days of baseline before the period, and the fewest with data for it to count. */
const BASELINE_DAYS = 28;
const MIN_BASELINE_DAYS = 7;
// The index runs under the same per-query limit as every other panel
// (LOOPMETER_QUERY_TIMEOUT_MS): a longer one of its own let one viewer hold the
// engine for 90 s per request while everyone else's queries waited.

/**
 * One statement: every component's own daily query (the same definition its
 * panel runs) over the baseline and the period, unioned into long form, scored
 * against its per-group baseline and averaged. Component queries are built with
 * `from` moved back by the baseline length; the only parameters stay `from`/`to`
 * and the filters, so the statement is traceable like any other metric's.
 */
export function slopIndexSql(req: MetricRequest, ctx: BuildContext): string {
	const dims = req.group_by as string[];
	const d = dims.map((x) => `, ${x}`).join('');
	const shifted = (sql: string) => sql.replaceAll('{from:Date}', `subtractDays({from:Date}, ${BASELINE_DAYS})`);
	const parts = SLOP_COMPONENTS.map(({ id, direction }) => {
		const built = buildMetricQuery({ metric: id, from: req.from, to: req.to, grain: 'day', group_by: req.group_by, filters: req.filters }, undefined, ctx.options);
		// Reading the component's source through the context records whether the index read a rollup.
		const source = /^sql\/metrics\/(.*)\.sql$/.exec(built.file)?.[1];
		if (source) ctx.sql(source);
		return `\tSELECT '${id}' AS component, ${direction} AS direction, period AS day${d}, CAST(value AS Nullable(Float64)) AS x
	FROM (
${shifted(built.sql)}
	)`;
	});
	const inBaseline = `day < {from:Date}`;
	const fallback = `day >= {from:Date} AND day < addDays({from:Date}, ${BASELINE_DAYS})`;
	const keys = groupKeys(req);
	const scoreCols = SLOP_COMPONENTS.map(({ id }) => `avgIf(score, component = '${id}') AS d_${id}`);
	// One pass over the component rows: the baseline comes from window aggregates
	// partitioned by component only, so every group is scored against the same
	// baseline (all groups' daily values before the period) and arms or modes
	// can be compared on one scale.
	const w = 'OVER (PARTITION BY component)';
	return `WITH components AS (
${parts.join('\n\tUNION ALL\n')}
),
with_baseline AS (
	SELECT *,
		countIf(${inBaseline} AND x IS NOT NULL) ${w} >= ${MIN_BASELINE_DAYS} AS before_period,
		if(before_period, avgIf(x, ${inBaseline}) ${w}, avgIf(x, ${fallback}) ${w}) AS mu,
		if(before_period, stddevPopIf(x, ${inBaseline}) ${w}, stddevPopIf(x, ${fallback}) ${w}) AS sigma
	FROM components
),
scored AS (
	SELECT day${d}, component,
		least(100, greatest(0, 50 + 25 * direction * (x - mu) / greatest(ifNull(sigma, 0), abs(mu) * 0.01, 1e-12))) AS score
	FROM with_baseline
	WHERE day >= {from:Date} AND day < {to:Date} AND x IS NOT NULL AND mu IS NOT NULL
),
daily AS (
	SELECT day${d}, avg(score) AS d_value, uniqExact(component) AS d_components, ${scoreCols.join(', ')}
	FROM scored
	GROUP BY day${d}
)
SELECT ${[...periodSelect(req), ...dims, 'avg(d_value) AS value', 'avg(d_components) AS components_scored', ...SLOP_COMPONENTS.map(({ id }) => `avg(d_${id}) AS ${id}_score`)].join(', ')}
FROM daily${groupOrder(keys)}`;
}
