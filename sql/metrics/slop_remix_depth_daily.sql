-- Base rows: human impressions per UTC day, dimension values, creator kind and
-- remix depth of the video shown, so mean and p90 are weighted by impressions.
-- (A video without a depth row, only reachable through a cycle, gets the LEFT
-- JOIN default 0.)
SELECT
	iv.day AS day, iv.rec_arm AS rec_arm, iv.feed_mode AS feed_mode, iv.country AS country,
	iv.platform AS platform, iv.surface AS surface, iv.plan AS plan, iv.creator_kind AS creator_kind,
	d.depth AS depth,
	count() AS imps
FROM ({{slop_impression_videos}}) AS iv
LEFT JOIN ({{slop_remix_depth}}) AS d ON d.video_id = iv.video_id
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind, depth
