-- Base rows: human impressions (staff and bot traffic, is_internal, excluded).
-- watch-hours = Σ watch_ms / 3 600 000.
SELECT
	toDate(ts) AS day,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	watch_ms / 3600000 AS watch_hours
FROM impressions
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
