-- Current state of every video: videos is a ReplacingMergeTree, FINAL applies
-- "latest row per video_id wins" even before background merges (a new copyright
-- flag replaces the earlier row).
-- Cameo consent changes over time, so it is not one flag here: has_cameo says
-- someone's likeness appears, consent_spans when consent was in force
-- (video_consent_spans.sql); an impression at ts lacks consent when
-- has_cameo AND NOT arrayLast(s -> s.1 <= ts, consent_spans).2. A video not
-- (yet) in the consent history keeps its current row's consent throughout.
SELECT
	v.video_id AS video_id,
	v.created_at AS created_at,
	v.creator_id AS creator_id,
	toString(v.creator_kind) AS creator_kind,
	toString(v.topic) AS topic,
	v.caption AS caption,
	v.remix_of AS remix_of,
	notEmpty(v.cameo_user_ids) AS has_cameo,
	if(empty(c.consent_spans), [(toDateTime64(0, 3, 'UTC'), toString(v.cameo_consent) = 'granted')], c.consent_spans) AS consent_spans,
	v.copyright_flag AS copyright_flag
FROM videos AS v FINAL
LEFT JOIN ({{video_consent_spans}}) AS c ON c.video_id = v.video_id
