-- Human impressions (is_internal excluded) in the period with the current facts
-- of the video shown, and its cameo consent as it was when the impression was
-- served (cameo_unconsented: a likeness without consent in force at ts).
-- Impressions of a video missing from `videos` are left out
-- of every video-based indicator (nothing is known about their content).
SELECT
	i.impression_id AS impression_id,
	i.ts AS ts,
	toDate(i.ts) AS day,
	i.user_id AS user_id,
	i.video_id AS video_id,
	toString(i.rec_arm) AS rec_arm,
	toString(i.feed_mode) AS feed_mode,
	toString(i.country) AS country,
	toString(i.platform) AS platform,
	toString(i.surface) AS surface,
	ifNull(nullIf(arrayFirst(p -> p.1 <= toDateTime64(toDate(i.ts), 3, 'UTC') AND toDateTime64(toDate(i.ts), 3, 'UTC') < p.2, up.plan_intervals).3, ''), 'free') AS plan,
	v.creator_id AS creator_id,
	v.creator_kind AS creator_kind,
	v.topic AS topic,
	v.created_at AS created_at,
	v.has_cameo AND NOT arrayLast(s -> s.1 <= i.ts, v.consent_spans).2 AS cameo_unconsented,
	v.copyright_flag AS copyright_flag
FROM impressions AS i
INNER JOIN ({{slop_videos}}) AS v ON v.video_id = i.video_id
LEFT JOIN ({{engagement_user_plans}}) AS up ON up.user_id = i.user_id
WHERE NOT i.is_internal
	AND i.ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND i.ts < toDateTime64({to:Date}, 3, 'UTC')
