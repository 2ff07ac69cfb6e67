-- Human impressions in [from, to) with the facts of the video shown (topic,
-- creator, kind, age, cameo and copyright state): the rows behind diversity,
-- novelty and the AI/human mix.
SELECT
	impression_id, ts, user_id, video_id, rec_arm, feed_mode, country, platform, surface, plan,
	creator_id, creator_kind, topic, toString(created_at) AS video_created_at,
	dateDiff('minute', created_at, ts) AS video_age_min, cameo_unconsented, copyright_flag
FROM ({{slop_impression_videos}})
ORDER BY ts, impression_id
LIMIT {limit:UInt32}
