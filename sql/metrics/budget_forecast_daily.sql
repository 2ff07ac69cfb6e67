-- Base rows of the month-end forecast (budget_forecast): budget_daily read over
-- whole months (the month of `from` through the month holding the as-of day
-- `to`) and the run-rate window of the days before `to`, whichever starts first.
-- Days after `to` carry their budget (the whole month is budgeted); their
-- actuals, if any, are left out by the forecast (it sees only the days before `to`).
SELECT day, budget_line, cluster, actual_usd, budget_usd
FROM ({{forecast_months:budget_daily}})
