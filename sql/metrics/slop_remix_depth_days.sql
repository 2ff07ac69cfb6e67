-- Base rows of slop_remix_depth_daily.sql (same columns and rules) for
-- requests that need no dimension but rec_arm, feed_mode and creator_kind:
-- summed from impressions per day and video (slop_video_day_facts).
SELECT
	f.day AS day, f.rec_arm AS rec_arm, f.feed_mode AS feed_mode, f.creator_kind AS creator_kind,
	d.depth AS depth,
	sum(f.n) AS imps
FROM ({{slop_video_day_facts}}) AS f
LEFT JOIN ({{slop_remix_depth}}) AS d ON d.video_id = f.video_id
GROUP BY day, rec_arm, feed_mode, creator_kind, depth
