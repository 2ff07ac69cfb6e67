-- Base rows of slop_creator_impressions.sql (same columns) for requests that
-- need no dimension but rec_arm, feed_mode and creator_kind: impressions per
-- day and video (slop_video_day_facts) with the video's creator. Not grouped
-- here: creator_concentration sums imps per period, group and creator itself,
-- and a second aggregation by creator cost more than it saved.
SELECT day, rec_arm, feed_mode, creator_kind, creator_id, n AS imps
FROM ({{slop_video_day_facts}})
