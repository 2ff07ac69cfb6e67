-- Base rows of slop_near_duplicate_daily.sql (same columns and rules) for
-- requests that need no dimension but rec_arm, feed_mode and creator_kind:
-- summed from impressions per day and video (slop_video_day_facts).
SELECT
	day, rec_arm, feed_mode, creator_kind,
	sum(n) AS imps,
	sumIf(n, video_id IN (SELECT video_id FROM ({{slop_near_duplicates}}))) AS dups
FROM ({{slop_video_day_facts}})
GROUP BY day, rec_arm, feed_mode, creator_kind
