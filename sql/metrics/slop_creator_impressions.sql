-- Base rows: human impressions per UTC day, dimension values and creator.
SELECT day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind, creator_id, count() AS imps
FROM ({{slop_impression_videos}})
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind, creator_id
