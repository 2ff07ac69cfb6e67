-- Rows behind watch-hours: human impressions (is_internal = false) in the
-- period, longest watch first. Σ watch_hours = watch-hours.
SELECT
	impression_id,
	ts,
	user_id,
	video_id,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	watch_ms,
	watch_ms / 3600000 AS watch_hours
FROM impressions
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
ORDER BY watch_ms DESC, impression_id
