-- Base rows for watch-hours when grouped or filtered by plan: human impressions
-- (is_internal excluded) per UTC day, dimension values and the viewer's plan at
-- the start of the day (user_day_plan; no paid stretch = free).
-- watch-hours = Σ watch_ms / 3 600 000, the same as impression_watch.sql.
SELECT
	day,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	{{user_day_plan}},
	sum(ud.watch_ms_sum) / 3600000 AS watch_hours
FROM (
	SELECT * FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} AND day < {to:Date}
) AS ud
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan
