-- Rows behind the month-end forecast: every day of the months from `from`'s to
-- the one holding `to`, and of the run-rate window, by budget line and cluster,
-- with its actual (days from `to` on: none yet), its share of the month's
-- budget and what it counts as in the forecast of `to`'s month: month_to_date,
-- run_rate_window (both, when the window lies in the month) or days_left
-- (filled by the run rate).
SELECT day, budget_line, cluster,
	if(day < {to:Date}, actual_usd, 0) AS actual_usd,
	budget_usd,
	day >= toStartOfMonth({to:Date}) AND day < {to:Date} AS month_to_date,
	day >= {to:Date} - {run_rate_days:UInt32} AND day < {to:Date} AS run_rate_window,
	day >= {to:Date} AS days_left
FROM ({{budget_forecast_daily}})
ORDER BY day DESC, budget_line, cluster
LIMIT {limit:UInt32}
