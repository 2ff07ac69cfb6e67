-- Base rows for the engagement–satisfaction divergence: one per human user, UTC
-- day and dimension values, from 13 days before the period so the two 7-day
-- windows behind the period's first day are whole.
SELECT
	day,
	user_id,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	{{user_day_plan}},
	sum(ud.imps) AS imps,
	sum(ud.watch_ms_sum) / 3600000 AS watch_h,
	sum(ud.pos) AS pos
FROM (
	SELECT * FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} - 13 AND day < {to:Date}
) AS ud
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
