-- Relation impression_user_days (see impression_user_days.sql for the
-- definitions) read from its rollup, impressions_user_daily (migration 0052):
-- the same columns, one row per key and unmerged part.
SELECT
	day,
	user_id,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	impressions AS imps,
	watch_ms_sum,
	watch_sq,
	positive AS pos,
	positive_sq AS pos_sq,
	negative AS neg,
	negative_sq AS neg_sq,
	rapid_skips AS skips,
	tz_watch_ms AS tz_ms,
	tz_watch_sq AS tz_sq,
	late_watch_ms AS late_ms,
	late_watch_sq AS late_sq,
	autoplay_watch_ms AS auto_ms,
	autoplay_watch_sq AS auto_sq
FROM impressions_user_daily
