import type { MetricRequest } from '../../contracts/metrics.js';
import { filterClause, periodExpr } from './build-query.js';

/**
 * SQL fragments shared by the engagement and slop metrics: interval bounds for
 * rates, and the period / group-by / filter pieces of `build` queries.
 */

/** 95 % two-sided normal quantile. */
const Z = 1.96;

/**
 * Wilson score interval of a proportion x / n (x successes among n independent
 * trials), as `ci_low` / `ci_high` expressions over aggregates. Unlike the Wald
 * interval it stays inside [0, 1] and behaves for small n and p near 0 or 1.
 */
export function wilson(x: string, n: string): { ci_low: string; ci_high: string } {
	const p = `((${x}) / nullIf(${n}, 0))`;
	const z2 = Z * Z;
	const centre = `(${p} + ${z2 / 2} / (${n}))`;
	const half = `${Z} * sqrt(greatest(${p} * (1 - ${p}) / (${n}) + ${z2 / 4} / pow(${n}, 2), 0))`;
	const denom = `(1 + ${z2} / (${n}))`;
	return { ci_low: `greatest(0, (${centre} - ${half}) / ${denom})`, ci_high: `least(1, (${centre} + ${half}) / ${denom})` };
}

/**
 * 95 % interval of a ratio of sums R = Σy / Σx over independent units (delta
 * method / ratio estimator): Var(R) ≈ Σ(y − R·x)² / (Σx)² = (Σy² − 2R·Σxy + R²·Σx²) / (Σx)².
 * Used where a unit can contribute more than one success (actions per impression)
 * or is weighted (watch-time shares), so Wilson does not apply.
 */
export function ratioInterval(s: { y: string; x: string; yy: string; xy: string; xx: string }): { ci_low: string; ci_high: string } {
	const r = `((${s.y}) / nullIf(${s.x}, 0))`;
	const se = `(sqrt(greatest((${s.yy}) - 2 * ${r} * (${s.xy}) + pow(${r}, 2) * (${s.xx}), 0)) / nullIf(${s.x}, 0))`;
	return { ci_low: `${r} - ${Z} * ${se}`, ci_high: `${r} + ${Z} * ${se}` };
}

/** 95 % interval of a mean of independent values (normal approximation). */
export function meanInterval(value: string): { ci_low: string; ci_high: string } {
	const se = `(stddevSamp(${value}) / sqrt(count(${value})))`;
	return { ci_low: `avg(${value}) - ${Z} * ${se}`, ci_high: `avg(${value}) + ${Z} * ${se}` };
}

/** `toMonday(day) AS period` (nothing for grain total) over a column holding a Date. */
export function periodSelect(req: MetricRequest, dayColumn = 'day'): string[] {
	if (req.grain === 'total') return [];
	return [`${periodExpr[req.grain].replace('day', dayColumn)} AS period`];
}

/** The GROUP BY / ORDER BY keys of a build query: period then the requested dimensions. */
export function groupKeys(req: MetricRequest): string[] {
	return [...(req.grain === 'total' ? [] : ['period']), ...req.group_by];
}

/** `day >= {from:Date} AND day < {to:Date} AND <dimension filters>` */
export function inPeriod(req: MetricRequest, dayColumn = 'day'): string {
	return `${dayColumn} >= {from:Date} AND ${dayColumn} < {to:Date}${filterClause(req)}`;
}

/** GROUP BY … ORDER BY … or nothing for an ungrouped total. */
export function groupOrder(keys: readonly string[]): string {
	return keys.length ? `\nGROUP BY ${keys.join(', ')}\nORDER BY ${keys.join(', ')}` : '';
}
