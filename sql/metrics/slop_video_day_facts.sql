-- Human impressions per UTC day, rec_arm, feed_mode and video in the period
-- (relation slop_video_days: the rollup, or the raw impressions when forced),
-- with the current facts of the video shown, joined at read time so a consent
-- change, a new copyright flag or a late video row counts like in the raw
-- per-impression files (slop_impression_videos.sql). The cameo consent is
-- has_cameo + consent_spans (slop_videos.sql): it may change within a day, so
-- readers of it split such days by impression (slop_video_mix_days.sql). Impressions of a video
-- missing from `videos` are left out, as there. n: impressions; a key may
-- repeat, readers sum.
SELECT
	d.day AS day,
	d.rec_arm AS rec_arm,
	d.feed_mode AS feed_mode,
	d.video_id AS video_id,
	d.imps AS n,
	v.creator_id AS creator_id,
	v.creator_kind AS creator_kind,
	v.has_cameo AS has_cameo,
	v.consent_spans AS consent_spans,
	v.copyright_flag AS copyright_flag
FROM ({{rollup:slop_video_days}}) AS d
INNER JOIN (SELECT video_id, creator_id, creator_kind, has_cameo, consent_spans, copyright_flag FROM ({{slop_videos}})) AS v ON v.video_id = d.video_id
WHERE d.day >= {from:Date} AND d.day < {to:Date}
