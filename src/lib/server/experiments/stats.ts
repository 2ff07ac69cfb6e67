import jStat from 'jstat';

/**
 * Statistics of the experiment readout, as pure functions over sums the SQL
 * returns (src/lib/server/experiments/readout.ts). The unit of analysis is the
 * user: one heavy scroller is one observation, not thousands.
 */

/** Per-arm sums over units i (users, or impressions for the naive interval) of y_i, x_i and their products. */
export interface RatioSums {
	n: number;
	y: number;
	x: number;
	yy: number;
	xy: number;
	xx: number;
}

export interface RatioEstimate {
	/** Σy / Σx */
	value: number | null;
	/** Delta-method variance of the ratio of means; null below 2 units or with Σx = 0. */
	variance: number | null;
}

/**
 * Ratio of means R = Σy / Σx and its delta-method variance with the units as
 * independent draws: Var(R) ≈ s²_d / (n · x̄²) with d_i = y_i − R·x_i (mean 0),
 * s²_d = Σd² / (n − 1) and Σd² = Σy² − 2R·Σxy + R²·Σx². That is
 * Σd² · n / ((n − 1) · (Σx)²).
 */
export function ratioOfMeans(s: RatioSums): RatioEstimate {
	if (!(s.x > 0) || s.n < 1) return { value: null, variance: null };
	const r = s.y / s.x;
	if (s.n < 2) return { value: r, variance: null };
	const sdd = Math.max(0, s.yy - 2 * r * s.xy + r * r * s.xx);
	return { value: r, variance: (sdd * s.n) / ((s.n - 1) * s.x * s.x) };
}

/**
 * The same ratio with every row (impression, session, user-day) as an
 * independent draw, as the metrics' own ci_low/ci_high: Var(R) ≈ Σd² / (Σx)².
 * Shown beside the clustered interval to make the difference visible.
 */
export function independentRatio(s: Omit<RatioSums, 'n'>): RatioEstimate {
	if (!(s.x > 0)) return { value: null, variance: null };
	const r = s.y / s.x;
	return { value: r, variance: Math.max(0, s.yy - 2 * r * s.xy + r * r * s.xx) / (s.x * s.x) };
}

/** Two-sided normal quantile for a confidence level (0.95 → 1.95996…). */
export function zFor(confidence: number): number {
	return jStat.normal.inv(1 - (1 - confidence) / 2, 0, 1);
}

export interface Difference {
	/** treatment − control */
	delta: number | null;
	low: number | null;
	high: number | null;
	/** delta / control value */
	relative: number | null;
}

/** Difference of two independent estimates with a normal interval (the arms' variances add). */
export function difference(treatment: RatioEstimate, control: RatioEstimate, z: number): Difference {
	if (treatment.value === null || control.value === null) return { delta: null, low: null, high: null, relative: null };
	const delta = treatment.value - control.value;
	const relative = control.value !== 0 ? delta / control.value : null;
	if (treatment.variance === null || control.variance === null) return { delta, low: null, high: null, relative };
	const se = Math.sqrt(treatment.variance + control.variance);
	return { delta, low: delta - z * se, high: delta + z * se, relative };
}

export type Verdict = 'better' | 'worse' | 'no difference' | 'not enough data';

/** better / worse when the interval of the difference excludes 0, judged by the indicator's direction. */
export function verdictOf(d: Difference, higherIsBetter: boolean): Exclude<Verdict, 'not enough data'> | null {
	if (d.low === null || d.high === null) return null;
	if (d.low > 0) return higherIsBetter ? 'better' : 'worse';
	if (d.high < 0) return higherIsBetter ? 'worse' : 'better';
	return 'no difference';
}

/** The estimate's own interval (value ± z·√variance); nulls when there is no variance. */
export function intervalOf(e: RatioEstimate, z: number): { low: number | null; high: number | null } {
	if (e.value === null || e.variance === null) return { low: null, high: null };
	const half = z * Math.sqrt(e.variance);
	return { low: e.value - half, high: e.value + half };
}

/**
 * The difference to control and its verdict under the minimum-sample guard: while
 * anything is `missing` (what each side still needs), no better/worse verdict.
 * The one place the readout and the per-arm tables decide a verdict.
 */
export function guardedComparison(
	treatment: RatioEstimate,
	control: RatioEstimate,
	z: number,
	higherIsBetter: boolean,
	missing: string[]
): Difference & { verdict: Verdict; why?: string } {
	const d = difference(treatment, control, z);
	const v = verdictOf(d, higherIsBetter);
	if (missing.length) return { ...d, verdict: 'not enough data', why: missing.join('; ') };
	if (v === null) return { ...d, verdict: 'not enough data', why: 'no interval (fewer than 2 users with data)' };
	return { ...d, verdict: v };
}

export interface SrmResult {
	/** Users observed and expected per arm under the configured split. */
	arms: { arm: string; users: number; expected: number; share: number; expectedShare: number }[];
	chi2: number;
	dof: number;
	/** P(χ² ≥ observed) with k − 1 degrees of freedom. */
	p: number;
	/** p below the threshold: the split is off beyond chance. */
	mismatch: boolean;
}

/**
 * Sample-ratio-mismatch check: Pearson's chi-square goodness of fit of users per
 * arm against the configured split (shares are normalized to sum to 1). Arms
 * outside the split count as observed with 0 expected and always mismatch.
 */
export function sampleRatioMismatch(users: Record<string, number>, split: Record<string, number>, threshold = 0.001): SrmResult {
	const total = Object.values(users).reduce((a, b) => a + b, 0);
	const splitTotal = Object.values(split).reduce((a, b) => a + b, 0);
	const names = [...new Set([...Object.keys(split), ...Object.keys(users)])].sort();
	const arms = names.map((arm) => {
		const expectedShare = (split[arm] ?? 0) / splitTotal;
		const n = users[arm] ?? 0;
		return { arm, users: n, expected: total * expectedShare, share: total ? n / total : 0, expectedShare };
	});
	const unexpected = arms.some((a) => a.expected === 0 && a.users > 0);
	const chi2 = arms.reduce((s, a) => (a.expected > 0 ? s + (a.users - a.expected) ** 2 / a.expected : s), 0);
	const dof = Math.max(1, arms.filter((a) => a.expected > 0).length - 1);
	const p = unexpected ? 0 : total === 0 ? 1 : 1 - jStat.chisquare.cdf(chi2, dof);
	return { arms, chi2, dof, p, mismatch: total > 0 && p < threshold };
}
