import type { MetricRequest } from '../../../contracts/metrics.js';
import { filterClause, periodExpr } from '../build-query.js';
import type { BuildContext, MetricDefinition, MetricTable } from '../definition.js';
import { FORECAST_LEVEL, RUN_RATE_DAYS, RUN_RATE_T } from '../../finance/run-rate.js';
import { BREAK_EVEN_LEVEL, HORIZON_MONTHS, MIN_TREND_WEEKS, TREND_T_BY_DOF, TREND_WEEKS } from '../../finance/break-even.js';

// Finance depth, budgets and forecast (docs/finance.md "Forecast and break-even").
// Base rows: sql/metrics/budget_forecast_daily.sql (budget_daily's actual and
// budget per day, line and cluster, over whole months and the run-rate window).

const RUN_RATE =
	`Run rate = mean daily actual of the ${RUN_RATE_DAYS} calendar days before the as-of day (the request's \`to\`: the forecast sees the days before it), a day without rows counting 0. ` +
	`Forecast to month end = month-to-date actual (the month's days before \`to\`) + days left (from \`to\` to the month's end, both included) × run rate, for the month holding \`to\` — on the 1st, the whole month is left — and, at grain month, each month before it back to \`from\`'s (over: no days left, its forecast is its actual); grain total is the month holding \`to\` alone. A month shows once it has a budget or any actual. ` +
	`Interval (${FORECAST_LEVEL * 100} %): forecast ± t · s · √(d + d²/${RUN_RATE_DAYS}), with s the sample standard deviation of those ${RUN_RATE_DAYS} days, d the days left and t the Student quantile with ${RUN_RATE_DAYS - 1} degrees of freedom (${RUN_RATE_T.toFixed(4)}, jstat): the prediction interval of the sum of d more days drawn like the last ${RUN_RATE_DAYS} — d²s²/${RUN_RATE_DAYS} for the uncertain mean plus d·s² for the days' own spread — rather than the interval of the mean alone, which would claim month end is known better than any single day. `;

/**
 * Per month (and requested dimensions): month-to-date actual, whole-month budget,
 * and the run-rate window's sum and sum of squares of daily actuals (the window
 * is one per group: it ends at `to`, only the last month has days left to fill).
 * Daily values are summed over the requested dimensions first, so the spread is
 * that of the series shown, not a sum of per-cluster spreads.
 */
function forecastSql(req: MetricRequest, ctx: BuildContext): string {
	const dims = req.group_by as string[];
	const dimCols = dims.map((d) => `${d}, `).join('');
	// Without dimensions the window is one row (an aggregate without GROUP BY always returns one).
	const join = dims.length ? `LEFT JOIN run_rate_window USING (${dims.join(', ')})` : 'CROSS JOIN run_rate_window';
	const base = ctx.sql('budget_forecast_daily');
	const monthly = `SELECT toStartOfMonth(day) AS month, ${dimCols}
		sumIf(actual, day < {to:Date}) AS actual_mtd, sum(budget) AS budget_month,
		toUInt32(dateDiff('day', least({to:Date}, addMonths(month, 1)), addMonths(month, 1))) AS month_days_left
	FROM daily WHERE day >= ${req.grain === 'total' ? 'toStartOfMonth({to:Date})' : 'toStartOfMonth({from:Date})'} GROUP BY month${dims.map((d) => `, ${d}`).join('')}`;
	const window = `SELECT ${dimCols}sum(actual) AS window_sum, sum(actual * actual) AS window_sumsq
	FROM daily WHERE day >= {to:Date} - {run_rate_days:UInt32} AND day < {to:Date}${dims.length ? ` GROUP BY ${dims.join(', ')}` : ''}`;
	// t is jstat's quantile for RUN_RATE_DAYS − 1 degrees of freedom: a constant of the code, not of the request.
	const perMonth = `SELECT month, ${dimCols}actual_mtd, budget_month, month_days_left,
		window_sum / {run_rate_days:UInt32} AS run_rate,
		sqrt(greatest(0, window_sumsq - window_sum * window_sum / {run_rate_days:UInt32}) / ({run_rate_days:UInt32} - 1)) AS run_rate_sd,
		actual_mtd + month_days_left * run_rate AS forecast,
		${RUN_RATE_T} * run_rate_sd * sqrt(month_days_left + month_days_left * month_days_left / {run_rate_days:UInt32}) AS half_width
	FROM monthly ${join}`;
	// A forecast is monthly: grain day and week list the months too.
	const period = req.grain === 'total' ? [] : ['month AS period'];
	const keys = [...(req.grain === 'total' ? [] : ['period']), ...dims];
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
		'Budgets are whole months (budget_variance has the rules: a company-wide compute budget replaces the per-cluster ones of its month). forecast_vs_budget = forecast − budget (positive: over budget for compute, ahead of it for revenue). Read it grouped by budget_line (ungrouped it adds compute and revenue, as budget_variance does); grain day and week list months too, since a forecast is monthly.',
	sources: [{ file: 'budget_forecast_daily', dimensions: ['budget_line', 'cluster'] }],
	value: 'sum(actual_usd)',
	build: (req, ctx) => ({ file: 'src/lib/server/metrics/definitions/finance-forecast.ts', sql: forecastSql(req, ctx) }),
	drilldown: 'budget_forecast_days'
} satisfies MetricDefinition;

/**
 * Ordinary least squares over the weekly points (x: days from the first week's
 * Monday to the week's middle; y: margin per GPU-hour), in one pass of sums,
 * then the cases and the crossing interval. The interval is Fieller's: the days
 * where the trend's confidence band, ŷ(x) ± t·s·√(1/n + (x − x̄)²/Sxx), contains
 * zero — the roots of (ȳ + b·u)² = t²s²(1/n + u²/Sxx) in u = x − x̄, bounded only
 * when the slope is significant (b² > t²s²/Sxx). So the interval is exactly where
 * the drawn band crosses the zero line.
 */
function breakEvenSql(req: MetricRequest, ctx: BuildContext): string {
	// One outlook as of `to`; at grain day, week or month it is reported in the request's last period.
	const period = req.grain === 'total' ? [] : [`${periodExpr[req.grain]} AS period`];
	const tByDof = `[${TREND_T_BY_DOF.join(', ')}]`;
	const crossing = "outlook IN ('crosses_up', 'crosses_down')";
	const dated = "outlook IN ('crosses_up', 'crosses_down', 'not_within_12_months')";
	const bound = (x: string) => `if(${dated} AND qa > 0 AND abs(${x} - x_now) <= horizon_days, origin + toInt32(floor(${x})), NULL)`;
	return `WITH fit AS (
	SELECT toInt64(count()) AS n, {to:Date} - 1 AS day, avg(x_days) AS x_mean, avg(margin_per_gpu_hour) AS y_mean,
		sum(x_days * x_days) - n * x_mean * x_mean AS sxx,
		sum(x_days * margin_per_gpu_hour) - n * x_mean * y_mean AS sxy,
		sum(margin_per_gpu_hour * margin_per_gpu_hour) - n * y_mean * y_mean AS syy
	FROM (
${ctx.sql('break_even_weeks')}
	) AS weeks
),
line AS (
	SELECT *,
		toMonday({to:Date}) - 7 * {trend_weeks:UInt32} AS origin,
		dateDiff('day', origin, {to:Date}) AS x_now,
		dateDiff('day', {to:Date}, addMonths({to:Date}, ${HORIZON_MONTHS})) AS horizon_days,
		sxy / sxx AS slope,
		sqrt(greatest(0, syy - slope * sxy) / greatest(n - 2, 1)) AS resid_sd,
		arrayElement(${tByDof}, toUInt32(least(greatest(n - 2, 1), ${TREND_WEEKS - 2}))) AS t,
		y_mean + slope * (x_now - x_mean) AS trend_now,
		x_mean - y_mean / slope AS x_cross,
		slope * slope - t * t * resid_sd * resid_sd / sxx AS qa,
		2 * y_mean * slope AS qb,
		y_mean * y_mean - t * t * resid_sd * resid_sd / n AS qc,
		x_mean + (-qb - sqrt(greatest(0, qb * qb - 4 * qa * qc))) / (2 * qa) AS x_low,
		x_mean + (-qb + sqrt(greatest(0, qb * qb - 4 * qa * qc))) / (2 * qa) AS x_high,
		multiIf(
			n < ${MIN_TREND_WEEKS}, 'insufficient_data',
			trend_now >= 0 AND slope >= 0, 'above_not_falling',
			trend_now < 0 AND slope <= 0, 'below_not_rising',
			x_cross - x_now > horizon_days, 'not_within_12_months',
			slope > 0, 'crosses_up',
			'crosses_down'
		) AS outlook
	FROM fit
)
SELECT
	${period.map((p) => `${p},\n\t`).join('')}if(${crossing}, x_cross - x_now, NULL) AS value,
	outlook,
	if(${crossing}, origin + toInt32(floor(x_cross)), NULL) AS crossing_date,
	${bound('x_low')} AS crossing_low,
	${bound('x_high')} AS crossing_high,
	n AS weeks,
	if(n >= 2, slope * 7, NULL) AS slope_per_week,
	if(n >= 2, trend_now, NULL) AS trend_now,
	origin,
	x_now,
	horizon_days,
	if(n >= 2, slope, NULL) AS slope_per_day,
	x_mean,
	y_mean,
	sxx,
	if(n >= ${MIN_TREND_WEEKS}, resid_sd, NULL) AS residual_sd,
	t AS t_quantile
FROM line`;
}

const TREND =
	`The weekly points: margin per GPU-hour ((revenue − compute cost) / utilized GPU-hours, as margin_per_gpu_hour) of each of the ${TREND_WEEKS} complete Monday-to-Sunday weeks before the week holding the as-of day (the request's \`to\`), each placed at its week's middle; weeks without utilized GPU-hours are left out. ` +
	`Trend: the least-squares line through them; its ${BREAK_EVEN_LEVEL * 100} % confidence band is ŷ(x) ± t·s·√(1/n + (x − x̄)²/Sxx) (s the residual standard deviation, t the Student quantile with n − 2 degrees of freedom, from jstat). ` +
	`Crossing: the day the line reaches zero; its interval is where the band contains zero (Fieller's interval), bounded only when the slope differs from zero at that level, else open (empty bounds); a bound more than ${HORIZON_MONTHS} months from the as-of day is left empty too, and a lower bound may lie before it (the band already reaches zero). ` +
	`Outlook, decided in this order: insufficient_data (fewer than ${MIN_TREND_WEEKS} weeks); above_not_falling (the trend at the as-of day ≥ 0 and not falling: no crossing); below_not_rising (< 0 and not rising: never at this trend, so not within ${HORIZON_MONTHS} months); not_within_12_months (it crosses, more than ${HORIZON_MONTHS} months after the as-of day); crosses_up (break-even: the margin turns positive on crossing_date) or crosses_down (the margin turns negative on crossing_date). `;

const break_even_outlook = {
	id: 'break_even_outlook',
	title: 'Break-even outlook',
	unit: 'days',
	page: '/unit-economics',
	higherIsBetter: false,
	definition:
		`When margin per GPU-hour crosses zero at the current trend of revenue and compute spend: days from the as-of day to the crossing (empty when there is none within ${HORIZON_MONTHS} months), with the date, its interval and the outlook. ` +
		TREND +
		'Idle policy and what-if apply to the weekly margins as to margin_per_gpu_hour (a GPU price cut moves break-even). One row as of `to` (at grain day, week or month, in the request\'s last period); the rows behind it are the weekly points.',
	sources: [{ file: 'break_even_weeks', dimensions: [] }],
	value: 'avg(margin_per_gpu_hour)',
	build: (req, ctx) => ({ file: 'src/lib/server/metrics/definitions/finance-forecast.ts', sql: breakEvenSql(req, ctx) }),
	drilldown: 'break_even_weeks'
} satisfies MetricDefinition;

export const financeForecastMetrics = { budget_forecast, break_even_outlook } satisfies MetricTable;
