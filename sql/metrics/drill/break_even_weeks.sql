-- Rows behind the break-even outlook: the weekly points the trend is fitted to,
-- latest first (revenue, compute cost, utilized GPU-hours and their margin per GPU-hour).
SELECT week_start AS week, revenue_usd, compute_usd, gpu_hours, margin_per_gpu_hour, x_days
FROM ({{break_even_weeks}})
ORDER BY week DESC
LIMIT {limit:UInt32}
