-- Relation slop_video_days, read through its rollup include: human impressions
-- (is_internal excluded) per UTC day, rec_arm, feed_mode and video, with the
-- first and last impression's time of that day. This is the raw-table form;
-- rollup_slop_video_days.sql reads the same columns from
-- video_impressions_daily (migration 0043). A key may repeat (the rollup's
-- unmerged parts): readers sum imps and take min/max of the times, never
-- count rows. Readers filter on `day` right outside it: the filter reaches
-- the impressions' primary key (toDate(ts), …) through the GROUP BY.
SELECT
	toDate(ts) AS day,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	video_id,
	count() AS imps,
	min(ts) AS first_ts,
	max(ts) AS last_ts
FROM impressions
WHERE NOT is_internal
GROUP BY day, rec_arm, feed_mode, video_id
