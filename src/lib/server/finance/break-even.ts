import jStat from 'jstat';

/**
 * The break-even outlook's constants (docs/finance.md "Forecast and break-even"),
 * read by its SQL (metrics/definitions/finance-forecast.ts) and glossary text.
 */

/** Complete Monday-to-Sunday weeks before the as-of day the trend is fitted to. */
export const TREND_WEEKS = 8;
/** Fewest weeks with GPU-hours a line with an interval needs (n − 2 ≥ 1 degree of freedom). */
export const MIN_TREND_WEEKS = 3;
/** Coverage of the trend's confidence band and so of the crossing interval. */
export const BREAK_EVEN_LEVEL = 0.95;
/** How far ahead a crossing counts: beyond it the outlook is "not within 12 months". */
export const HORIZON_MONTHS = 12;

/** Two-sided Student t quantiles for 1 … TREND_WEEKS − 2 degrees of freedom (index dof − 1): n − 2 varies with the weeks that had GPU-hours. */
export const TREND_T_BY_DOF: readonly number[] = Array.from({ length: TREND_WEEKS - 2 }, (_, i) =>
	jStat.studentt.inv(1 - (1 - BREAK_EVEN_LEVEL) / 2, i + 1)
);

/** What the trend says, in the order the cases are decided. */
export const outlooks = ['insufficient_data', 'above_not_falling', 'below_not_rising', 'not_within_12_months', 'crosses_up', 'crosses_down'] as const;
export type Outlook = (typeof outlooks)[number];
