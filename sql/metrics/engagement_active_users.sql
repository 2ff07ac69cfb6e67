-- Base rows: (UTC day, human user, dimension values) with activity; a key may
-- repeat, readers count distinct users. Starts 27 days before the period so a
-- 28-day trailing window (MAU) is whole on the period's first day.
SELECT
	day,
	user_id,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	{{user_day_plan}}
FROM (
	SELECT day, user_id, rec_arm, feed_mode, country, platform, surface
	FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} - 27 AND day < {to:Date}
) AS ud
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
