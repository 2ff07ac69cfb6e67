import type { MetricRequest } from '../../../contracts/metrics.js';
import { filterClause, MetricRequestError } from '../build-query.js';
import type { BuildContext, MetricDefinition, MetricTable } from '../definition.js';
import { FORECAST_LEVEL, RUN_RATE_DAYS, RUN_RATE_T } from '../../finance/run-rate.js';

// Finance depth, budgets and forecast (docs/finance.md "Forecast and break-even").
// Base rows: sql/metrics/budget_forecast_daily.sql (budget_daily's actual and
// budget per day, line and cluster, over whole months and the run-rate window).

const RUN_RATE =
	`Run rate = mean daily actual of the ${RUN_RATE_DAYS} calendar days before the as-of day (the request's \`to\`: the forecast sees the days before it), a day without rows counting 0. ` +
	`Forecast to month end = month-to-date actual + days left × run rate, per calendar month touched by the period (a month that ended before \`to\` has no days left: its forecast is its actual). ` +
	`Interval (${FORECAST_LEVEL * 100} %): forecast ± t · s · √(d + d²/${RUN_RATE_DAYS}), with s the sample standard deviation of those ${RUN_RATE_DAYS} days, d the days left and t the Student quantile with ${RUN_RATE_DAYS - 1} degrees of freedom (${RUN_RATE_T.toFixed(4)}, jstat): the prediction interval of the sum of d more days drawn like the last ${RUN_RATE_DAYS} — d²s²/${RUN_RATE_DAYS} for the uncertain mean plus d·s² for the days' own spread — rather than the interval of the mean alone, which would claim month end is known better than any single day. `;

/**
 * Per month (and requested dimensions): month-to-date actual, whole-month budget,
 * and the run-rate window's sum and sum of squares of daily actuals (the window
 * is one per group: it ends at `to`, only the last month has days left to fill).
 * Daily values are summed over the requested dimensions first, so the spread is
 * that of the series shown, not a sum of per-cluster spreads.
 */
function forecastSql(req: MetricRequest, ctx: BuildContext): string {
	if (req.grain === 'day' || req.grain === 'week') throw new MetricRequestError('grain', 'budget_forecast is a month-end forecast: use grain month or total');
	const oneLine = req.group_by.includes('budget_line') || req.filters.budget_line?.length === 1;
	if (!oneLine) throw new MetricRequestError('by', 'budget_forecast adds compute and revenue only apart: group by budget_line, or filter one budget_line');
	const dims = req.group_by as string[];
	const dimCols = dims.map((d) => `${d}, `).join('');
	// Without dimensions the window is one row (an aggregate without GROUP BY always returns one).
	const join = dims.length ? `LEFT JOIN run_rate_window USING (${dims.join(', ')})` : 'CROSS JOIN run_rate_window';
	const base = ctx.sql('budget_forecast_daily');
	const monthly = `SELECT toStartOfMonth(day) AS month, ${dimCols}
		sumIf(actual, day < {to:Date}) AS actual_mtd, sum(budget) AS budget_month,
		toUInt32(dateDiff('day', least({to:Date}, addMonths(month, 1)), addMonths(month, 1))) AS month_days_left
	FROM daily WHERE day >= toStartOfMonth({from:Date}) GROUP BY month${dims.map((d) => `, ${d}`).join('')}`;
	const window = `SELECT ${dimCols}sum(actual) AS window_sum, sum(actual * actual) AS window_sumsq
	FROM daily WHERE day >= {to:Date} - {run_rate_days:UInt32} AND day < {to:Date}${dims.length ? ` GROUP BY ${dims.join(', ')}` : ''}`;
	// t is jstat's quantile for RUN_RATE_DAYS − 1 degrees of freedom: a constant of the code, not of the request.
	const perMonth = `SELECT month, ${dimCols}actual_mtd, budget_month, month_days_left,
		window_sum / {run_rate_days:UInt32} AS run_rate,
		sqrt(greatest(0, window_sumsq - window_sum * window_sum / {run_rate_days:UInt32}) / ({run_rate_days:UInt32} - 1)) AS run_rate_sd,
		actual_mtd + month_days_left * run_rate AS forecast,
		${RUN_RATE_T} * run_rate_sd * sqrt(month_days_left + month_days_left * month_days_left / {run_rate_days:UInt32}) AS half_width
	FROM monthly ${join}`;
	const period = req.grain === 'month' ? ['month AS period'] : [];
	const keys = [...(req.grain === 'month' ? ['period'] : []), ...dims];
	const select = [
		...period,
		...dims,
		'sum(forecast) AS value',
		'sum(actual_mtd) AS actual_mtd_usd',
		'sum(budget_month) AS budget_usd',
		'sum(forecast) - sum(budget_month) AS forecast_vs_budget_usd',
		'sum(forecast - half_width) AS forecast_low_usd',
		'sum(forecast + half_width) AS forecast_high_usd',
		'max(month_days_left) AS days_left',
		'any(run_rate) AS run_rate_usd_per_day',
		'any(run_rate_sd) AS run_rate_sd_usd'
	];
	return `WITH daily AS (
	SELECT day, ${dimCols}sum(actual_usd) AS actual, sum(budget_usd) AS budget
	FROM (
${base}
	) AS base
	WHERE 1${filterClause(req)}
	GROUP BY day${dims.map((d) => `, ${d}`).join('')}
),
monthly AS (
	${monthly}
),
run_rate_window AS (
	${window}
)
SELECT
	${select.join(',\n\t')}
FROM (
	${perMonth}
)${keys.length ? `\nGROUP BY ${keys.join(', ')}\nORDER BY ${keys.join(', ')}` : ''}`;
}

const budget_forecast = {
	id: 'budget_forecast',
	title: 'Month-end forecast (run rate)',
	unit: 'usd',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'Where each budget line will end the month at the current run rate, beside its budget: compute (spend, per cluster or total) and revenue (recognized subscription + ad revenue, company). ' +
		RUN_RATE +
		'Budgets are whole months (budget_variance has the rules: a company-wide compute budget replaces the per-cluster ones of its month). forecast_vs_budget = forecast − budget (positive: over budget for compute, ahead of it for revenue). Grain month or total (the months summed); read it by budget_line.',
	sources: [{ file: 'budget_forecast_daily', dimensions: ['budget_line', 'cluster'] }],
	value: 'sum(actual_usd)',
	build: (req, ctx) => ({ file: 'src/lib/server/metrics/definitions/finance-forecast.ts', sql: forecastSql(req, ctx) }),
	drilldown: 'budget_forecast_days'
} satisfies MetricDefinition;

export const financeForecastMetrics = { budget_forecast } satisfies MetricTable;
