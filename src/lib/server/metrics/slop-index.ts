import type { MetricId, MetricRequest } from '../../contracts/metrics.js';
import { buildMetricQuery } from './build-query.js';
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

/**
 * One statement: every component's own daily query (the same definition its
 * panel runs) over the baseline and the period, unioned into long form, scored
 * against its per-group baseline and averaged. Component queries are built with
 * `from` moved back by the baseline length; the only parameters stay `from`/`to`
 * and the filters, so the statement is traceable like any other metric's.
 */
export function slopIndexSql(req: MetricRequest): string {
	const dims = req.group_by as string[];
	const d = dims.map((x) => `, ${x}`).join('');
	const shifted = (sql: string) => sql.replaceAll('{from:Date}', `subtractDays({from:Date}, ${BASELINE_DAYS})`);
	const parts = SLOP_COMPONENTS.map(({ id, direction }) => {
		const built = buildMetricQuery({ metric: id, from: req.from, to: req.to, grain: 'day', group_by: req.group_by, filters: req.filters });
		return `\tSELECT '${id}' AS component, ${direction} AS direction, period AS day${d}, CAST(value AS Nullable(Float64)) AS x
	FROM (
${shifted(built.sql)}
	)`;
	});
	const inBaseline = `day < {from:Date}`;
	const fallback = `day >= {from:Date} AND day < addDays({from:Date}, ${BASELINE_DAYS})`;
	const keys = groupKeys(req);
	const scoreCols = SLOP_COMPONENTS.map(({ id }) => `avgIf(score, component = '${id}') AS d_${id}`);
	return `WITH components AS (
${parts.join('\n\tUNION ALL\n')}
),
baselines AS (
	SELECT component${d},
		countIf(${inBaseline} AND x IS NOT NULL) >= ${MIN_BASELINE_DAYS} AS before_period,
		if(before_period, avgIf(x, ${inBaseline}), avgIf(x, ${fallback})) AS mu,
		if(before_period, stddevPopIf(x, ${inBaseline}), stddevPopIf(x, ${fallback})) AS sigma
	FROM components
	GROUP BY component${d}
),
scored AS (
	SELECT c.day AS day${dims.map((x) => `, c.${x} AS ${x}`).join('')}, c.component AS component,
		least(100, greatest(0, 50 + 25 * c.direction * (c.x - b.mu) / greatest(ifNull(b.sigma, 0), abs(b.mu) * 0.01, 1e-12))) AS score
	FROM components AS c
	INNER JOIN baselines AS b ON b.component = c.component${dims.map((x) => ` AND b.${x} = c.${x}`).join('')}
	WHERE c.day >= {from:Date} AND c.day < {to:Date} AND c.x IS NOT NULL AND b.mu IS NOT NULL
),
daily AS (
	SELECT day${d}, avg(score) AS d_value, uniqExact(component) AS d_components, ${scoreCols.join(', ')}
	FROM scored
	GROUP BY day${d}
)
SELECT ${[...periodSelect(req), ...dims, 'avg(d_value) AS value', 'avg(d_components) AS components_scored', ...SLOP_COMPONENTS.map(({ id }) => `avg(d_${id}) AS ${id}_score`)].join(', ')}
FROM daily${groupOrder(keys)}`;
}
