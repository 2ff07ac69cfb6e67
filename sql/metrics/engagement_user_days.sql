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
	ud.day + 7 <= (SELECT max(toDate(ts)) FROM impressions WHERE NOT is_internal) AS complete
FROM (
	SELECT
		toDate(ts) AS day,
		user_id,
		{{engagement_impression_dims}},
		count() AS imps,
		sum(watch_ms) / 3600000 AS watch_h
	FROM impressions
	LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
	WHERE NOT is_internal
		AND ts >= toDateTime64({from:Date}, 3, 'UTC')
		AND ts < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
) AS ud
LEFT JOIN (
	SELECT user_id, groupUniqArray(toDate(ts)) AS active_days
	FROM impressions
	WHERE NOT is_internal
		AND ts >= toDateTime64({from:Date} + 1, 3, 'UTC')
		AND ts < toDateTime64({to:Date} + 8, 3, 'UTC')
	GROUP BY user_id
) AS act ON act.user_id = ud.user_id
