-- Base rows of the experiment readout's video-based indicators: human
-- impressions per UTC day, user and dimension values, with the counts the
-- slop indicators divide by impressions (same definitions as
-- slop_near_duplicate_daily, slop_novelty_daily, slop_video_mix and
-- slop_remix_depth_daily), so the readout can sum them per user.
SELECT
	day, user_id, rec_arm, feed_mode, country, platform, surface, plan,
	count() AS imps,
	countIf(iv.video_id IN (SELECT video_id FROM ({{slop_near_duplicates}}))) AS dups,
	countIf(ts >= created_at AND ts < created_at + INTERVAL 24 HOUR AND impression_id IN (
		SELECT argMin(h.impression_id, (h.ts, h.impression_id))
		FROM impressions AS h
		INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS hv ON hv.video_id = h.video_id
		WHERE NOT h.is_internal AND h.ts < toDateTime64({to:Date}, 3, 'UTC')
		GROUP BY h.user_id, hv.creator_id
	)) AS novel_n,
	countIf(creator_kind = 'ai_generated') AS ai_n,
	countIf(cameo_unconsented) AS cameo_n,
	countIf(copyright_flag) AS copyright_n,
	sum(d.depth) AS depth_sum,
	sum(d.depth * d.depth) AS depth_sq
FROM ({{slop_impression_videos}}) AS iv
LEFT JOIN ({{slop_remix_depth}}) AS d ON d.video_id = iv.video_id
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
