-- Base rows: distinct (UTC day, human user, dimension values) with activity.
-- Starts 27 days before the period so a 28-day trailing window (MAU) is whole
-- on the period's first day.
SELECT DISTINCT
	toDate(ts) AS day,
	user_id,
	{{engagement_impression_dims}}
FROM impressions
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date} - 27, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
