-- Base rows: human impressions per UTC day, dimension values and creator kind,
-- counting impressions of videos with a cameo lacking current consent and of
-- videos flagged for copyright.
SELECT
	day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind,
	count() AS imps,
	countIf(cameo_unconsented) AS cameo_n,
	countIf(copyright_flag) AS copyright_n
FROM ({{slop_impression_videos}})
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind
