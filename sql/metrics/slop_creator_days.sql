-- Base rows of slop_creator_impressions.sql (same columns) for requests that
-- need no dimension but rec_arm, feed_mode and creator_kind: summed from
-- impressions per day and video (slop_video_day_facts).
SELECT day, rec_arm, feed_mode, creator_kind, creator_id, sum(n) AS imps
FROM ({{slop_video_day_facts}})
GROUP BY day, rec_arm, feed_mode, creator_kind, creator_id
