-- Base rows for the engagement–satisfaction divergence: one per human user, UTC
-- day and dimension values, from 13 days before the period so the two 7-day
-- windows behind the period's first day are whole.
SELECT
	toDate(ts) AS day,
	user_id,
	{{engagement_impression_dims}},
	count() AS imps,
	sum(watch_ms) / 3600000 AS watch_h,
	sum(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed)) AS pos
FROM impressions
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date} - 13, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
