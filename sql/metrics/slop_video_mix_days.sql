-- Base rows of slop_video_mix.sql (same columns and rules) for requests that
-- need no dimension but rec_arm, feed_mode and creator_kind: summed from
-- impressions per day and video (slop_video_day_facts) instead of one row per
-- impression.
SELECT
	day, rec_arm, feed_mode, creator_kind,
	sum(n) AS imps,
	sumIf(n, cameo_unconsented) AS cameo_n,
	sumIf(n, copyright_flag) AS copyright_n
FROM ({{slop_video_day_facts}})
GROUP BY day, rec_arm, feed_mode, creator_kind
