import type { Dimension, MetricId, Unit } from '../../contracts/metrics.js';
import { addDays } from '../../url-state.js';
import { query, type Params } from '../warehouse/index.js';
import { getMetric } from '../metrics/registry.js';
import { metricSql } from '../metrics/sql-files.js';
import { runMetric } from '../metrics/run.js';
import type { Experiment, ExperimentConfig } from './config.js';
import { difference, guardedComparison, independentRatio, intervalOf, ratioOfMeans, sampleRatioMismatch, verdictOf, zFor, type Difference, type RatioEstimate, type RatioSums, type SrmResult, type Verdict } from './stats.js';
import { LATEST_AS_OF } from '../../contracts/as-of.js';

/**
 * Experiment readout (docs/product.md): for each
 * arm of an experiment against its control, every engagement and slop indicator
 * that is a ratio of sums, with an interval clustered by person. The SQL sums
 * numerator and denominator per user and arm, then per arm the sums of their
 * squares and cross-products; stats.ts turns those into the delta-method
 * variance of a ratio of means over users. Beside it the naive interval that
 * treats every impression (session, user-day) as independent, to show what
 * clustering changes.
 */

/** Base relations the readout sums per user; each has day, user_id, rec_arm, feed_mode, country, platform, surface. */
export const SOURCES = {
	impressions: { file: 'impression_user_days', rollup: true },
	user_days: { file: 'engagement_user_days', rollup: false },
	sessions: { file: 'engagement_sessions', rollup: false },
	diversity: { file: 'slop_diversity_user_days', rollup: false },
	videos: { file: 'experiment_user_videos', rollup: false },
	economics: { file: 'experiment_economics_parts', rollup: false }
} as const;
export type SourceId = keyof typeof SOURCES;

/** Page filters the readout applies (every source has these columns); others are reported as not applied. */
const FILTERABLE = ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] as const satisfies readonly Dimension[];
export const READOUT_FILTERS = FILTERABLE;

export type IndicatorGroup = 'engagement' | 'slop' | 'economics';

export interface Indicator {
	metric: MetricId;
	label: string;
	group: IndicatorGroup;
	unit: Unit;
	source: SourceId;
	/** Per-user numerator and denominator, aggregates over the source's rows of one user and arm. */
	y: string;
	x: string;
	/** Per-row (impression-level) second moments for the naive interval: Σy², Σxy, Σx² over the source rows. */
	naive?: { yy: string; xy: string; xx: string };
	/** Overrides the metric's direction (watch-hours per user: more is "better" only for attention). */
	higherIsBetter?: boolean;
}

/** A share of counted items: each item is 0/1, so Σy² = Σxy = Σy and Σx² = Σx. */
const bernoulli = (y: string, x: string) => ({ yy: y, xy: y, xx: x });

export const INDICATORS: readonly Indicator[] = [
	{ metric: 'watch_hours', group: 'engagement', label: 'Watch-hours per user', unit: 'hours_per_user', source: 'impressions', y: 'sum(watch_ms_sum) / 3600000', x: '1' },
	{ metric: 'satisfaction_rate', group: 'engagement', label: 'Satisfaction / imp.', unit: 'ratio', source: 'impressions', y: 'sum(pos)', x: 'sum(imps)', naive: { yy: 'sum(pos_sq)', xy: 'sum(pos)', xx: 'sum(imps)' } },
	{ metric: 'negative_rate', group: 'engagement', label: 'Negative / imp.', unit: 'ratio', source: 'impressions', y: 'sum(neg)', x: 'sum(imps)', naive: { yy: 'sum(neg_sq)', xy: 'sum(neg)', xx: 'sum(imps)' } },
	{ metric: 'rapid_skip_rate', group: 'engagement', label: 'Rapid skips', unit: 'ratio', source: 'impressions', y: 'sum(skips)', x: 'sum(imps)', naive: bernoulli('sum(skips)', 'sum(imps)') },
	{ metric: 'return_rate', group: 'engagement', label: 'Return rate (7 d)', unit: 'ratio', source: 'user_days', y: 'uniqExactIf(day, returned AND complete)', x: 'uniqExactIf(day, complete)', naive: bernoulli('uniqExactIf(day, returned AND complete)', 'uniqExactIf(day, complete)') },
	{ metric: 'feed_diversity', group: 'slop', label: 'Feed diversity', unit: 'ratio', source: 'diversity', y: 'sum(diversity)', x: 'count(diversity)', naive: { yy: 'sum(diversity * diversity)', xy: 'sum(diversity)', xx: 'count(diversity)' } },
	{ metric: 'near_duplicate_share', group: 'slop', label: 'Near duplicates', unit: 'ratio', source: 'videos', y: 'sum(dups)', x: 'sum(imps)', naive: bernoulli('sum(dups)', 'sum(imps)') },
	{ metric: 'novelty', group: 'slop', label: 'Novelty', unit: 'ratio', source: 'videos', y: 'sum(novel_n)', x: 'sum(imps)', naive: bernoulli('sum(novel_n)', 'sum(imps)') },
	{ metric: 'remix_depth', group: 'slop', label: 'Remix depth', unit: 'depth', source: 'videos', y: 'sum(depth_sum)', x: 'sum(imps)', naive: { yy: 'sum(depth_sq)', xy: 'sum(depth_sum)', xx: 'sum(imps)' } },
	{ metric: 'long_session_share', group: 'slop', label: 'Sessions > 60 min', unit: 'ratio', source: 'sessions', y: 'countIf(duration_min > 60)', x: 'count()', naive: bernoulli('countIf(duration_min > 60)', 'count()') },
	{ metric: 'late_night_share', group: 'slop', label: 'Late-night watch', unit: 'ratio', source: 'impressions', y: 'sum(late_ms) / 3600000', x: 'sum(tz_ms) / 3600000', naive: { yy: 'sum(late_sq)', xy: 'sum(late_sq)', xx: 'sum(tz_sq)' } },
	{ metric: 'autoplay_share', group: 'slop', label: 'Autoplay share', unit: 'ratio', source: 'impressions', y: 'sum(auto_ms) / 3600000', x: 'sum(watch_ms_sum) / 3600000', naive: { yy: 'sum(auto_sq)', xy: 'sum(auto_sq)', xx: 'sum(watch_sq)' } },
	{ metric: 'ai_mix', group: 'slop', label: 'AI-generated share', unit: 'ratio', source: 'videos', y: 'sum(ai_n)', x: 'sum(imps)', naive: bernoulli('sum(ai_n)', 'sum(imps)') },
	{ metric: 'cameo_unconsented_share', group: 'slop', label: 'Cameo w/o consent', unit: 'ratio', source: 'videos', y: 'sum(cameo_n)', x: 'sum(imps)', naive: bernoulli('sum(cameo_n)', 'sum(imps)') },
	{ metric: 'copyright_share', group: 'slop', label: 'Copyright-flagged', unit: 'ratio', source: 'videos', y: 'sum(copyright_n)', x: 'sum(imps)', naive: bernoulli('sum(copyright_n)', 'sum(imps)') },
	// Does it pay? Per-arm economics (docs/metrics.md): impressions' arm for watch time, ads and feed pre-generation,
	// the user's arm for the period for subscriptions and their own generations (experiment_economics_parts.sql).
	{ metric: 'attention_to_compute', label: 'Attention-to-compute', group: 'economics', unit: 'hours_per_gpu_hour', source: 'economics', y: 'sum(watch_h)', x: 'sum(gpu_h)' },
	{ metric: 'ad_revenue', label: 'Ad revenue per user', group: 'economics', unit: 'usd_per_user', source: 'economics', y: 'sum(ads)', x: '1' },
	{ metric: 'subscription_revenue', label: 'Subscription revenue per user', group: 'economics', unit: 'usd_per_user', source: 'economics', y: 'sum(subscription)', x: '1' },
	{ metric: 'compute_cost_per_user', label: 'Compute cost per user', group: 'economics', unit: 'usd_per_user', source: 'economics', y: 'sum(cost)', x: '1' },
	{ metric: 'margin_per_gpu_hour', label: 'Margin per GPU-hour', group: 'economics', unit: 'usd_per_gpu_hour', source: 'economics', y: 'sum(ads) + sum(subscription) - sum(cost)', x: 'sum(gpu_h)' }
];

/** Indicators with no per-user form, so no clustered interval: said on the page rather than left out silently. */
export const NOT_IN_READOUT: readonly { metric: MetricId; why: string }[] = [
	{ metric: 'creator_concentration', why: 'an index over all impressions of the arm (HHI), not a sum over users' },
	{ metric: 'divergence', why: 'a week-over-week change of two ratios, not a ratio of per-user sums' },
	{ metric: 'slop_index', why: 'scores against a baseline per day, not a sum over users (shown per arm without an interval)' }
];

export interface ReadoutRequest {
	from: string;
	to: string;
	filters?: Partial<Record<Dimension, string[]>>;
	forceRaw?: boolean;
}

export interface ArmExposure {
	arm: string;
	/** Users with a human impression of the arm in the window. */
	users: number;
	/** Days in the window the arm was served. */
	days: number;
	/** First day the arm was ever served (all history): its exposure start. */
	exposure_start: string | null;
	/** Users whose impressions in the window were mostly of this arm (the SRM count). */
	majority_users: number;
	/** What the minimum-sample guard still needs, e.g. "120 more users"; empty when satisfied. */
	missing: string[];
}

export interface ArmEstimate extends RatioEstimate {
	arm: string;
	/** Users contributing a denominator (> 0) to this indicator. */
	users: number;
	low: number | null;
	high: number | null;
	numerator: number;
	denominator: number;
}

export interface Comparison extends Difference {
	arm: string;
	verdict: Verdict;
	/** Why there is no verdict ("control: 400 more users"). */
	why?: string;
	/** The interval and verdict if every impression (session, user-day) were independent. */
	naive: Difference & { verdict: Verdict | null };
}

export interface IndicatorReadout {
	metric: MetricId;
	label: string;
	unit: Unit;
	group: IndicatorGroup;
	higherIsBetter: boolean;
	definition: string;
	source: string;
	/** The metric has a drill-down (/glossary/<metric>/rows) listing the rows behind it. */
	drilldown: boolean;
	arms: ArmEstimate[];
	comparisons: Comparison[];
}

export interface ReadoutQuery {
	title: string;
	file: string;
	sql: string;
	params: Params;
}

export interface Readout {
	experiment: Experiment;
	/** The window read: the last window_days of the period asked. */
	window: { from: string; to: string };
	guard: { min_users: number; min_days: number; confidence: number };
	arms: ArmExposure[];
	srm: SrmResult | null;
	indicators: IndicatorReadout[];
	notInReadout: typeof NOT_IN_READOUT;
	/** The Slop Index per arm over the window, beside the economics (no interval: not a per-user sum); null when it failed. */
	slopIndex: { arm: string; value: number | null }[] | null;
	ignoredFilters: string[];
	queries: ReadoutQuery[];
}

export const relationSql = (source: SourceId, forceRaw: boolean) => {
	const s = SOURCES[source];
	return metricSql(s.rollup && !forceRaw ? `rollup_${s.file}` : s.file, { raw: forceRaw });
};

export function filterSql(filters: ReadoutRequest['filters']): string {
	return FILTERABLE.filter((d) => filters?.[d]?.length)
		.map((d) => ` AND ${d} IN {f_${d}:Array(String)}`)
		.join('');
}

/** Per arm: users and the sums over users of y, x, y², xy, x² for every indicator of one source, plus the naive row-level sums. */
function sourceQuery(source: SourceId, dim: Experiment['dimension'], filters: ReadoutRequest['filters'], forceRaw: boolean): string {
	const list = INDICATORS.map((ind, k) => ({ ind, k })).filter(({ ind }) => ind.source === source);
	const perUser = list.flatMap(({ ind, k }) => [
		`${ind.y} AS y${k}`,
		`${ind.x} AS x${k}`,
		...(ind.naive ? [`${ind.naive.yy} AS nyy${k}`, `${ind.naive.xy} AS nxy${k}`, `${ind.naive.xx} AS nxx${k}`] : [])
	]);
	const perArm = list.flatMap(({ ind, k }) => [
		`countIf(x${k} > 0) AS n${k}`,
		`sum(y${k}) AS sy${k}`,
		`sum(x${k}) AS sx${k}`,
		`sum(y${k} * y${k}) AS syy${k}`,
		`sum(x${k} * y${k}) AS sxy${k}`,
		`sum(x${k} * x${k}) AS sxx${k}`,
		...(ind.naive ? [`sum(nyy${k}) AS nyy${k}`, `sum(nxy${k}) AS nxy${k}`, `sum(nxx${k}) AS nxx${k}`] : [])
	]);
	if (source === 'economics') {
		// User-level parts (subscriptions, own generations) go to the user's arm for the window: most impressions, then most watch time.
		return `WITH parts AS (
${relationSql(source, forceRaw)}
)
SELECT arm, ${perArm.join(', ')}
FROM (
	SELECT user_id, row_arm AS arm, ${perUser.join(', ')}
	FROM (
		SELECT p.*, if(p.part = 'user', m.main_arm, p.${dim}) AS row_arm
		FROM parts AS p
		LEFT JOIN (
			SELECT user_id, argMax(a, (n, h)) AS main_arm
			FROM (SELECT user_id, ${dim} AS a, sum(imps) AS n, sum(watch_h) AS h FROM parts WHERE part = 'impressions' GROUP BY user_id, a)
			GROUP BY user_id
		) AS m ON m.user_id = p.user_id
	) AS base
	WHERE day >= {from:Date} AND day < {to:Date} AND row_arm != ''
	GROUP BY user_id, arm
)
GROUP BY arm
ORDER BY arm`;
	}
	return `SELECT arm, ${perArm.join(', ')}
FROM (
	SELECT user_id, ${dim} AS arm, ${perUser.join(', ')}
	FROM (
${relationSql(source, forceRaw)}
	) AS base
	WHERE day >= {from:Date} AND day < {to:Date}${filterSql(filters)}
	GROUP BY user_id, arm
)
GROUP BY arm
ORDER BY arm`;
}

/** Users and days per arm in the window, the SRM count (each user in the arm of most of their impressions) and the all-history exposure start. */
function exposureQuery(dim: Experiment['dimension'], filters: ReadoutRequest['filters'], forceRaw: boolean): string {
	const inWindow = `SELECT user_id, day, ${dim} AS arm, imps FROM (
${relationSql('impressions', forceRaw)}
	) AS base
	WHERE day >= {from:Date} AND day < {to:Date}${filterSql(filters)}`;
	return `SELECT e.arm AS arm, e.users AS users, e.days AS days, m.majority_users AS majority_users, s.exposure_start AS exposure_start
FROM (
	SELECT arm, uniqExact(user_id) AS users, uniqExact(day) AS days FROM (${inWindow}) GROUP BY arm
) AS e
LEFT JOIN (
	SELECT main_arm AS arm, count() AS majority_users FROM (
		SELECT user_id, argMax(arm, n) AS main_arm FROM (
			SELECT user_id, arm, sum(imps) AS n FROM (${inWindow}) GROUP BY user_id, arm
		) GROUP BY user_id
	) GROUP BY arm
) AS m ON m.arm = e.arm
LEFT JOIN (
	SELECT toString(${dim}) AS arm, toString(min(toDate(ts))) AS exposure_start FROM impressions WHERE NOT is_internal GROUP BY arm
) AS s ON s.arm = e.arm
ORDER BY arm`;
}

type SumsRow = Record<string, string | number>;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** What the minimum-sample guard still needs for one arm. */
export function missingSample(users: number, days: number, guard: { min_users: number; min_days: number }): string[] {
	const out: string[] = [];
	if (users < guard.min_users) out.push(`${guard.min_users - users} more users (${users} of ${guard.min_users})`);
	if (days < guard.min_days) out.push(`${guard.min_days - days} more days (${days} of ${guard.min_days})`);
	return out;
}

/** The window: the last `window_days` of the period, so an arm that started mid-period is read over days it ran. */
export function readoutWindow(req: { from: string; to: string }, windowDays: number): { from: string; to: string } {
	const start = addDays(req.to, -windowDays);
	return { from: start > req.from ? start : req.from, to: req.to };
}

export async function experimentReadout(experiment: Experiment, config: ExperimentConfig, req: ReadoutRequest): Promise<Readout> {
	const window = readoutWindow(req, config.window_days);
	const forceRaw = Boolean(req.forceRaw);
	// The cost model's what-if knobs at actuals (job_cost.sql reads them), fleet and price sheets as loaded now.
	const params: Params = { from: window.from, to: window.to, gpu_price_factor: 1, power_price_factor: 1, free_quota_factor: 1, utilization_target: 0, as_of: LATEST_AS_OF };
	for (const d of FILTERABLE) if (req.filters?.[d]?.length) params[`f_${d}`] = req.filters[d];
	const asked = Object.entries(req.filters ?? {}).filter(([, v]) => v?.length).map(([d]) => d);
	// Economics rows carry no country, platform or surface: filters on them leave the economics rows unfiltered, said on the page.
	const ignoredFilters = [
		...asked.filter((d) => !(FILTERABLE as readonly string[]).includes(d)),
		...asked.filter((d) => (FILTERABLE as readonly string[]).includes(d)).map((d) => `${d} (economics rows)`)
	];
	const dim = experiment.dimension;
	const guard = { min_users: config.min_users, min_days: config.min_days, confidence: config.confidence };
	const z = zFor(config.confidence);

	const queries: ReadoutQuery[] = [{ title: 'Users, days and exposure start per arm', file: `sql/metrics/${SOURCES.impressions.file}.sql`, sql: exposureQuery(dim, req.filters, forceRaw), params }];
	const sources = [...new Set(INDICATORS.map((i) => i.source))];
	for (const s of sources) {
		queries.push({ title: `Per-user sums per arm: ${INDICATORS.filter((i) => i.source === s).map((i) => i.label).join(', ')}`, file: `sql/metrics/${SOURCES[s].file}.sql`, sql: sourceQuery(s, dim, req.filters, forceRaw), params });
	}
	// One after the other: chDB serializes parameterized queries anyway.
	const results: SumsRow[][] = [];
	for (const q of queries) results.push(await query<SumsRow>(q.sql, { tag: `experiment:${experiment.id}`, params: q.params }));
	const [exposure, ...perSource] = results;
	const sumsBySource = new Map(sources.map((s, i) => [s, perSource[i]!]));

	const arms: ArmExposure[] = exposure!.map((r) => {
		const users = num(r.users), days = num(r.days);
		return { arm: String(r.arm), users, days, exposure_start: r.exposure_start ? String(r.exposure_start) : null, majority_users: num(r.majority_users), missing: missingSample(users, days, config) };
	});
	const srm = experiment.split
		? sampleRatioMismatch(Object.fromEntries(arms.map((a) => [a.arm, a.majority_users])), experiment.split, config.srm_p)
		: null;
	const control = arms.find((a) => a.arm === experiment.control);

	const indicators = INDICATORS.map((ind, k): IndicatorReadout => {
		const def = getMetric(ind.metric);
		const higherIsBetter = ind.higherIsBetter ?? def?.higherIsBetter ?? true;
		const rows = sumsBySource.get(ind.source) ?? [];
		const sums = (r: SumsRow): RatioSums => ({ n: num(r[`n${k}`]), y: num(r[`sy${k}`]), x: num(r[`sx${k}`]), yy: num(r[`syy${k}`]), xy: num(r[`sxy${k}`]), xx: num(r[`sxx${k}`]) });
		// Naive: the rows (impressions, sessions, user-days) as the independent units, as the metrics' own ci_low/ci_high do.
		const naiveSums = (r: SumsRow): Omit<RatioSums, 'n'> | null =>
			ind.naive ? { y: num(r[`sy${k}`]), x: num(r[`sx${k}`]), yy: num(r[`nyy${k}`]), xy: num(r[`nxy${k}`]), xx: num(r[`nxx${k}`]) } : null;
		const estimates = rows.map((r) => {
			const s = sums(r);
			const e = ratioOfMeans(s);
			return {
				arm: String(r.arm),
				...e,
				users: s.n,
				...intervalOf(e, z),
				numerator: s.y,
				denominator: s.x,
				naive: naiveEstimate(naiveSums(r))
			};
		});
		const ref = estimates.find((e) => e.arm === experiment.control);
		const comparisons: Comparison[] = ref
			? estimates
					.filter((e) => e !== ref)
					.map((e) => {
						const armExp = arms.find((a) => a.arm === e.arm);
						const missing = [
							...(control?.missing.length ? [`${control.arm}: ${control.missing.join(', ')}`] : control ? [] : [`${experiment.control}: not served in the window`]),
							...(armExp?.missing.length ? [`${armExp.arm}: ${armExp.missing.join(', ')}`] : [])
						];
						const judged = guardedComparison(e, ref, z, higherIsBetter, missing);
						const naiveD = e.naive && ref.naive ? difference(e.naive, ref.naive, z) : { delta: judged.delta, low: null, high: null, relative: judged.relative };
						return { arm: e.arm, ...judged, naive: { ...naiveD, verdict: verdictOf(naiveD, higherIsBetter) } };
					})
			: [];
		return {
			metric: ind.metric,
			label: ind.label,
			unit: ind.unit,
			group: ind.group,
			higherIsBetter,
			definition: def?.definition ?? '',
			source: `sql/metrics/${SOURCES[ind.source].file}.sql`,
			drilldown: Boolean(def?.drilldown),
			arms: estimates.map(({ naive: _naive, ...e }) => e),
			comparisons
		};
	});
	const slopIndex = await runMetric({ metric: 'slop_index', ...window, grain: 'total', group_by: [dim], filters: req.filters ?? {} }, { forceRaw })
		.then((r) => r.response.rows.map((row) => ({ arm: String(row[dim] ?? ''), value: typeof row.value === 'number' ? row.value : null })))
		.catch(() => null);
	return { experiment, window, guard, arms, srm, indicators, notInReadout: NOT_IN_READOUT, slopIndex, ignoredFilters, queries };
}

function naiveEstimate(s: Omit<RatioSums, 'n'> | null): RatioEstimate | null {
	return s ? independentRatio(s) : null;
}
