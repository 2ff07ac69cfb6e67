-- Relation slop_video_days (see slop_video_days.sql for the definitions) read
-- from its rollup, video_impressions_daily (migration 0043): the same columns,
-- one row per key and unmerged part.
SELECT
	day,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	video_id,
	impressions AS imps,
	first_ts,
	last_ts
FROM video_impressions_daily
