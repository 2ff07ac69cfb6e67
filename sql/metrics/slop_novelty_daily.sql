-- Base rows: human impressions per UTC day, dimension values and creator kind.
--   fresh:       the video was less than 24 h old when the impression started
--   new creator: first impression ever of this creator for this user (all
--                history before the period end; ties broken by impression_id)
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
		impression_id IN (
			SELECT argMin(h.impression_id, (h.ts, h.impression_id))
			FROM impressions AS h
			INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS hv ON hv.video_id = h.video_id
			WHERE NOT h.is_internal AND h.ts < toDateTime64({to:Date}, 3, 'UTC')
			GROUP BY h.user_id, hv.creator_id
		) AS new_creator
	FROM ({{slop_impression_videos}})
)
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind
