-- The points of the break-even outlook (break_even_outlook): margin per GPU-hour
-- of each of the {trend_weeks} complete Monday weeks before the week holding
-- `to` (unit_economics_daily read over those weeks: revenue − compute cost,
-- over utilized GPU-hours, the idle policy and what-if of the request applied).
-- `week_start` is the week's Monday; `x_days` places the week at its middle (Monday
-- + 3.5 days), counted from the first week's Monday. A week without utilized
-- GPU-hours has no margin per GPU-hour and is left out.
SELECT
	toMonday(day) AS week_start,
	sum(revenue) AS revenue_usd,
	sum(cost) AS compute_usd,
	sum(gpu_h) AS gpu_hours,
	(sum(revenue) - sum(cost)) / sum(gpu_h) AS margin_per_gpu_hour,
	dateDiff('day', toMonday({to:Date}) - 7 * {trend_weeks:UInt32}, week_start) + 3.5 AS x_days
FROM ({{trend_weeks:unit_economics_daily}})
WHERE day >= toMonday({to:Date}) - 7 * {trend_weeks:UInt32} AND day < toMonday({to:Date})
GROUP BY week_start
HAVING sum(gpu_h) > 0
