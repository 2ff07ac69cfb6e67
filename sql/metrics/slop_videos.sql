-- Current state of every video: videos is a ReplacingMergeTree, FINAL applies
-- "latest row per video_id wins" even before background merges (a revoked cameo
-- consent or a new copyright flag replaces the earlier row).
-- cameo_unconsented: someone's likeness appears and consent is not currently granted.
SELECT
	video_id,
	created_at,
	creator_id,
	toString(creator_kind) AS creator_kind,
	toString(topic) AS topic,
	caption,
	remix_of,
	notEmpty(cameo_user_ids) AND toString(cameo_consent) != 'granted' AS cameo_unconsented,
	copyright_flag
FROM videos FINAL
