import jStat from 'jstat';

/**
 * The run-rate forecast's constants (docs/finance.md "Forecast and break-even"),
 * read by the forecast SQL (metrics/definitions/finance-forecast.ts) and its
 * glossary text, so the two cannot drift apart.
 */

/** Days of actuals the run rate is the mean of: the 14 calendar days before the as-of day. */
export const RUN_RATE_DAYS = 14;
/** Coverage of the forecast interval. */
export const FORECAST_LEVEL = 0.95;
/** Two-sided Student t quantile with RUN_RATE_DAYS − 1 degrees of freedom (≈ 2.1604). */
export const RUN_RATE_T = jStat.studentt.inv(1 - (1 - FORECAST_LEVEL) / 2, RUN_RATE_DAYS - 1);
