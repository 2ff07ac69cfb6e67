-- Base rows: human impressions per UTC day, dimension values and creator kind.
--   fresh:       the video was less than 24 h old when the impression started
--   new creator: first impression ever of this creator for this user
--                (slop_first_creator_impressions.sql: all history before the
--                period end; its day table reads them from kept state instead,
--                day_build_slop_novelty_daily.sql)
--   novel:       both
SELECT
	day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind,
	count() AS imps,
	countIf(fresh) AS fresh_n,
	countIf(new_creator) AS new_creator_n,
	countIf(fresh AND new_creator) AS novel_n
FROM (
	SELECT *,
		ts >= created_at AND ts < created_at + INTERVAL 24 HOUR AS fresh,
		impression_id IN ({{slop_first_creator_impressions}}) AS new_creator
	FROM ({{slop_impression_videos}})
)
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind
