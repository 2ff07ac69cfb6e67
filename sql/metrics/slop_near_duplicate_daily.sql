-- Base rows: human impressions per UTC day, dimension values and creator kind,
-- counting those whose video is a near duplicate of an earlier video.
SELECT
	day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind,
	count() AS imps,
	countIf(video_id IN (SELECT video_id FROM ({{slop_near_duplicates}}))) AS dups
FROM ({{slop_impression_videos}})
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind
