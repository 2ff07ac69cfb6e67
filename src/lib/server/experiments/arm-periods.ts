import type { Dimension, Grain, MetricId, MetricRow } from '../../contracts/metrics.js';
import { periodExpr } from '../metrics/build-query.js';
import { getMetric } from '../metrics/registry.js';
import { query, type Params } from '../warehouse/index.js';
import type { ExperimentConfig, ExperimentDimension } from './config.js';
import { filterSql, INDICATORS, missingSample, READOUT_FILTERS, relationSql, SOURCES, type Indicator } from './readout.js';
import { guardedComparison, intervalOf, ratioOfMeans, zFor } from './stats.js';

/**
 * Per-arm (or per-feed-mode) tables by period: one indicator of the readout per
 * period and arm, with the readout's interval (delta method over users, stats.ts)
 * and its verdict against control under the same minimum-sample guard, each
 * period on its own (a week has at most 7 days of exposure). This replaces the
 * per-impression intervals the per-arm tables used to show.
 */

export interface ArmPeriodsRequest {
	metric: MetricId;
	dimension: ExperimentDimension;
	from: string;
	to: string;
	grain: Grain;
	filters?: Partial<Record<Dimension, string[]>>;
	forceRaw?: boolean;
}

export interface ArmPeriods {
	metric: MetricId;
	dimension: ExperimentDimension;
	control: string;
	guard: { min_users: number; min_days: number; confidence: number };
	/** period (absent for grain total), the arm, value, ci_low/ci_high (clustered by user), users, days, numerator, denominator,
	 * and against control in the same period: delta, delta_low, delta_high, verdict, why. */
	rows: MetricRow[];
	/** Filters asked that the per-user rows cannot apply (they have no such column): said, not dropped silently. */
	ignored_filters: string[];
	file: string;
	sql: string;
	params: Params;
}

export class ArmPeriodsError extends Error {}

/** The readout indicators a per-period table can show: those summed per user from impression-level rows. */
export const armPeriodMetrics = INDICATORS.filter((i) => i.source !== 'economics').map((i) => i.metric);

function indicatorOf(metric: MetricId): Indicator {
	const ind = INDICATORS.find((i) => i.metric === metric && i.source !== 'economics');
	if (!ind) throw new ArmPeriodsError(`indicator: ${metric} has no per-user form by period; choose one of ${armPeriodMetrics.join(', ')}`);
	return ind;
}

/** Per period and arm: users with a denominator, days served, and Σ over users of y, x, y², xy, x². */
function sumsSql(ind: Indicator, dim: ExperimentDimension, grain: Grain, filters: ArmPeriodsRequest['filters'], forceRaw: boolean): string {
	const period = grain === 'total' ? [] : [`${periodExpr[grain]} AS period`];
	const keys = [...(grain === 'total' ? [] : ['period']), 'arm'];
	return `SELECT ${[...keys, 'countIf(x > 0) AS n', 'sum(y) AS sy', 'sum(x) AS sx', 'sum(y * y) AS syy', 'sum(x * y) AS sxy', 'sum(x * x) AS sxx', 'length(groupUniqArrayArray(user_days)) AS days'].join(', ')}
FROM (
	SELECT ${[...period, 'user_id', `${dim} AS arm`, `${ind.y} AS y`, `${ind.x} AS x`, 'groupUniqArray(day) AS user_days'].join(', ')}
	FROM (
${relationSql(ind.source, forceRaw)}
	) AS base
	WHERE day >= {from:Date} AND day < {to:Date}${filterSql(filters)}
	GROUP BY ${[...(grain === 'total' ? [] : ['period']), 'user_id', 'arm'].join(', ')}
)
GROUP BY ${keys.join(', ')}
ORDER BY ${keys.join(', ')}`;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

/** The table for one indicator; control, guard and confidence come from the experiment configured on that dimension. */
export async function armPeriods(req: ArmPeriodsRequest, config: ExperimentConfig): Promise<ArmPeriods> {
	const ind = indicatorOf(req.metric);
	const experiment = config.experiments.find((e) => e.dimension === req.dimension);
	if (!experiment) throw new ArmPeriodsError(`config/experiments.json has no experiment on ${req.dimension}: its control and guard are needed`);
	const params: Params = { from: req.from, to: req.to };
	for (const [d, v] of Object.entries(req.filters ?? {})) if (v?.length) params[`f_${d}`] = v;
	const sql = sumsSql(ind, req.dimension, req.grain, req.filters, Boolean(req.forceRaw));
	const sums = await query<Record<string, string | number>>(sql, { tag: `arm-periods:${req.metric}`, params });
	const z = zFor(config.confidence);
	const higherIsBetter = ind.higherIsBetter ?? getMetric(ind.metric)?.higherIsBetter ?? true;

	const estimates = sums.map((r) => {
		const s = { n: num(r.n), y: num(r.sy), x: num(r.sx), yy: num(r.syy), xy: num(r.sxy), xx: num(r.sxx) };
		const e = ratioOfMeans(s);
		const days = num(r.days);
		return { period: r.period === undefined ? undefined : String(r.period), arm: String(r.arm), e, s, days, missing: missingSample(s.n, days, config) };
	});
	const rows: MetricRow[] = estimates.map((a) => {
		const ref = estimates.find((c) => c.period === a.period && c.arm === experiment.control);
		const { low, high } = intervalOf(a.e, z);
		const base: MetricRow = {
			...(a.period === undefined ? {} : { period: a.period }),
			[req.dimension]: a.arm,
			value: a.e.value,
			ci_low: low,
			ci_high: high,
			users: a.s.n,
			days: a.days,
			numerator: a.s.y,
			denominator: a.s.x
		};
		if (a.arm === experiment.control) return { ...base, delta: null, delta_low: null, delta_high: null, verdict: 'control', why: a.missing.length ? a.missing.join(', ') : '' };
		const missing = [
			...(ref ? (ref.missing.length ? [`${experiment.control}: ${ref.missing.join(', ')}`] : []) : [`${experiment.control}: not served in this period`]),
			...(a.missing.length ? [`${a.arm}: ${a.missing.join(', ')}`] : [])
		];
		const c = guardedComparison(a.e, ref?.e ?? { value: null, variance: null }, z, higherIsBetter, missing);
		return { ...base, delta: c.delta, delta_low: c.low, delta_high: c.high, verdict: c.verdict, why: c.why ?? '' };
	});
	return {
		metric: req.metric,
		dimension: req.dimension,
		control: experiment.control,
		guard: { min_users: config.min_users, min_days: config.min_days, confidence: config.confidence },
		rows,
		ignored_filters: Object.entries(req.filters ?? {}).filter(([d, v]) => v?.length && !(READOUT_FILTERS as readonly string[]).includes(d)).map(([d]) => d),
		file: `sql/metrics/${SOURCES[ind.source].file}.sql`,
		sql,
		params
	};
}
