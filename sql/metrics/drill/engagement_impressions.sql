-- Human impressions in [from, to): the rows behind satisfaction, negative and
-- rapid-skip rates and the watch-time shares.
SELECT
	impression_id, ts, user_id, session_id, video_id, watch_ms, video_duration_ms,
	toString(rec_arm) AS rec_arm, toString(feed_mode) AS feed_mode, toString(country) AS country, toString(platform) AS platform,
	toString(surface) AS surface, autoplay, liked, shared, commented, followed, not_interested, reported, tz_offset_min,
	toString(addMinutes(ts, ifNull(tz_offset_min, 0))) AS local_ts
FROM impressions
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
ORDER BY ts, impression_id
LIMIT {limit:UInt32}
