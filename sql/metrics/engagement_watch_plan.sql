-- Base rows for watch-hours when grouped or filtered by plan: human impressions
-- (is_internal excluded) per UTC day, dimension values and the viewer's plan
-- when the impression started (no paid stretch = free).
-- watch-hours = Σ watch_ms / 3 600 000, the same as impression_watch.sql.
SELECT
	toDate(ts) AS day,
	{{engagement_impression_dims}},
	sum(watch_ms) / 3600000 AS watch_hours
FROM impressions
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan
