-- Base rows: one per human user, UTC day and dimension values they were active in.
-- returned: the user has a human impression on any of the next 7 days (D+1..D+7).
-- complete: D+7 is not after the last day with data, so "did not return" is
--           known rather than not yet observable; return_rate counts only these.
SELECT
	ud.day AS day,
	ud.user_id AS user_id,
	ud.rec_arm AS rec_arm,
	ud.feed_mode AS feed_mode,
	ud.country AS country,
	ud.platform AS platform,
	ud.surface AS surface,
	ud.plan AS plan,
	ud.imps AS imps,
	ud.watch_h AS watch_h,
	arrayExists(d -> d > ud.day AND d <= ud.day + 7, act.active_days) AS returned,
	ud.day + 7 <= (SELECT day FROM ({{rollup:last_impression_day}})) AS complete
FROM (
	SELECT
		day,
		user_id,
		rec_arm,
		feed_mode,
		country,
		platform,
		surface,
		{{user_day_plan}},
		sum(u.imps) AS imps,
		sum(u.watch_ms_sum) / 3600000 AS watch_h
	FROM (
		SELECT * FROM ({{rollup:impression_user_days}})
		WHERE day >= {from:Date} AND day < {to:Date}
	) AS u
	LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
	GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
) AS ud
LEFT JOIN (
	SELECT user_id, groupUniqArray(day) AS active_days
	FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} + 1 AND day < {to:Date} + 8
	GROUP BY user_id
) AS act ON act.user_id = ud.user_id
