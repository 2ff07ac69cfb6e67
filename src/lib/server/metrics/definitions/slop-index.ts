import type { MetricRequest } from '../../../contracts/metrics.js';
import type { BuildContext, MetricDefinition, MetricTable, ScoredComponent } from '../definition.js';
import { groupKeys, groupOrder, periodSelect } from '../engagement-sql.js';
import { IMPRESSION_DIMS } from './engagement.js';
import { slopMetrics } from './slop.js';

/**
 * The Slop Index's components: each indicator's daily `value`, and whether a
 * rise (+1) or a fall (−1) means more slop. The Feed health page lists them
 * from here, in this order.
 */
export const SLOP_COMPONENTS = [
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
] as const satisfies readonly (ScoredComponent & { id: keyof typeof slopMetrics })[];

/** Days of baseline before the period, and the fewest with data for it to count. */
export const BASELINE_DAYS = 28;
export const MIN_BASELINE_DAYS = 7;
/** score = CENTRE + POINTS_PER_SIGMA × z, clamped to 0–100: 100 is reached at (100 − CENTRE) / POINTS_PER_SIGMA σ. */
export const CENTRE = 50;
export const POINTS_PER_SIGMA = 25;
/** σ is floored at this share of |baseline mean|, so a flat baseline does not turn noise into ±∞. */
export const SIGMA_FLOOR_SHARE = 0.01;
// The index runs under the same per-query limit as every other panel
// (LOOPMETER_QUERY_TIMEOUT_MS): a longer one of its own let one viewer hold the
// engine for 90 s per request while everyone else's queries waited.

/**
 * Scores long-form component rows (`component` = index into `components`,
 * `direction`, `day`, the group columns, `x` = the component's daily value)
 * against the baseline and averages them per day, then per period. Kept apart
 * from where the rows come from so its arithmetic can be pinned on a
 * hand-written relation (slop-index.test.ts).
 */
export function slopScoringSql(req: MetricRequest, components: readonly ScoredComponent[], componentDays: string): string {
	const dims = req.group_by as string[];
	const d = dims.map((x) => `, ${x}`).join('');
	const inBaseline = `day < {from:Date}`;
	const fallback = `day >= {from:Date} AND day < addDays({from:Date}, ${BASELINE_DAYS})`;
	const keys = groupKeys(req);
	const scoreCols = components.map((c, i) => `avgIf(score, component = ${i}) AS d_${c.id}`);
	// One baseline per component, shared by every group: the window is
	// partitioned by component only, so all groups' daily values before the
	// period make the baseline (see the glossary for why).
	const w = 'OVER (PARTITION BY component)';
	return `WITH components AS (
${componentDays}
),
with_baseline AS (
	SELECT *,
		-- Days, not rows: grouped by arm, each day has a row per arm.
		uniqExactIf(day, ${inBaseline} AND x IS NOT NULL) ${w} >= ${MIN_BASELINE_DAYS} AS before_period,
		if(before_period, avgIf(x, ${inBaseline}) ${w}, avgIf(x, ${fallback}) ${w}) AS mu,
		if(before_period, stddevPopIf(x, ${inBaseline}) ${w}, stddevPopIf(x, ${fallback}) ${w}) AS sigma
	FROM components
),
scored AS (
	SELECT day${d}, component,
		least(100, greatest(0, ${CENTRE} + ${POINTS_PER_SIGMA} * direction * (x - mu) / greatest(ifNull(sigma, 0), abs(mu) * ${SIGMA_FLOOR_SHARE}, 1e-12))) AS score
	FROM with_baseline
	WHERE day >= {from:Date} AND day < {to:Date} AND x IS NOT NULL AND mu IS NOT NULL
),
daily AS (
	SELECT day${d}, avg(score) AS d_value, uniqExact(component) AS d_components, ${scoreCols.join(', ')}
	FROM scored
	GROUP BY day${d}
)
SELECT ${[...periodSelect(req), ...dims, 'avg(d_value) AS value', 'avg(d_components) AS components_scored', ...components.map((c) => `avg(d_${c.id}) AS ${c.id}_score`)].join(', ')}
FROM daily${groupOrder(keys)}`;
}

/**
 * One statement: every component's own daily query (the same definition its
 * panel runs, built by the engine through the context) over the baseline and
 * the period, unioned into long form and scored. Component queries are built
 * with `from` moved back by the baseline length; the only parameters stay
 * `from`/`to` and the filters, so the statement is traceable like any other
 * metric's.
 */
export function slopIndexSql(req: MetricRequest, ctx: BuildContext, components: readonly ScoredComponent[]): string {
	const d = req.group_by.map((x) => `, ${x}`).join('');
	const shifted = (sql: string) => sql.replaceAll('{from:Date}', `subtractDays({from:Date}, ${BASELINE_DAYS})`);
	const parts = components.map(({ id, direction }, i) => {
		const built = ctx.metricQuery({ metric: id, from: req.from, to: req.to, grain: 'day', group_by: req.group_by, filters: req.filters });
		return `\tSELECT ${i} AS component, ${direction} AS direction, period AS day${d}, CAST(value AS Nullable(Float64)) AS x
	FROM (
${shifted(built.sql)}
	)`;
	});
	return slopScoringSql(req, components, parts.join('\n\tUNION ALL\n'));
}

// Lower-case the first letter of a title in running text, but not of an acronym ("AI / human mix").
const lowerFirst = (s: string) => (/^[A-Z]{2}/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));
const titlesOf = (direction: 1 | -1) =>
	SLOP_COMPONENTS.filter((c) => c.direction === direction)
		.map((c) => lowerFirst(slopMetrics[c.id].title))
		.join(', ');

const slop_index = {
	id: 'slop_index',
	title: 'Slop Index',
	unit: 'index',
	page: '/',
	higherIsBetter: false,
	definition:
		`Mean of the slop indicators, each scored 0–100 against a ${BASELINE_DAYS}-day baseline: score = ${CENTRE} + ${POINTS_PER_SIGMA} × z, clamped to 0–100, ` +
		`where z = (daily value − baseline mean) / baseline standard deviation of daily values (σ floored at ${SIGMA_FLOOR_SHARE * 100} % of |mean| so a flat baseline does not explode), ` +
		`signed so that higher always means more slop: ${titlesOf(-1)} count when they fall; ${titlesOf(1)} count when they rise. ` +
		`${CENTRE} = at baseline, 100 = ${(100 - CENTRE) / POINTS_PER_SIGMA} standard deviations or more worse. ` +
		`Baseline: the ${BASELINE_DAYS} days before the period (or, when fewer than ${MIN_BASELINE_DAYS} of them have data, the period’s own first ${BASELINE_DAYS} days). ` +
		'One baseline per indicator, shared by every group: grouped by arm or mode, each group’s daily values are scored against the mean and spread of all groups’ daily values in the baseline, ' +
		'so groups are compared on one scale (a worse arm scores higher, instead of every arm scoring 50 against itself) and an arm launched during the period, which has no history of its own, is still scored. ' +
		'Filters apply to the baseline too. Daily index = mean of the available component scores; longer grains average the daily values. Always returned with every component score (<id>_score).',
	sources: [{ file: 'slop_index', dimensions: IMPRESSION_DIMS }],
	value: 'value',
	scoredComponents: SLOP_COMPONENTS,
	build: (req, ctx) => ({ file: 'src/lib/server/metrics/definitions/slop-index.ts', sql: slopIndexSql(req, ctx, SLOP_COMPONENTS) })
} satisfies MetricDefinition;

/** The Slop Index, by id. */
export const slopIndexMetrics = { slop_index } satisfies MetricTable;
