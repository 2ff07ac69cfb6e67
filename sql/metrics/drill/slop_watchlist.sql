-- Likeness and rights watchlist behind cameo_unconsented_share and
-- copyright_share: videos shown to people in [from, to) with impressions of a
-- cameo without consent in force when served, or a copyright flag, most seen
-- first. cameo_consent / consent_changed_at: the video's latest row;
-- unconsented_impressions: those served while consent was not in force.
SELECT
	v.video_id AS video_id,
	v.creator_id AS creator_id,
	v.creator_kind AS creator_kind,
	v.caption AS caption,
	multiIf(unconsented_impressions > 0 AND v.copyright_flag, 'cameo + copyright', unconsented_impressions > 0, 'cameo without consent', 'copyright') AS issue,
	toString(vv.cameo_consent) AS cameo_consent,
	ifNull(toString(vv.consent_changed_at), '') AS consent_changed_at,
	length(vv.cameo_user_ids) AS cameo_people,
	count() AS impressions,
	countIf(v.has_cameo AND NOT arrayLast(s -> s.1 <= i.ts, v.consent_spans).2) AS unconsented_impressions,
	uniqExact(i.user_id) AS viewers,
	toString(min(i.ts)) AS first_seen,
	toString(max(i.ts)) AS last_seen
FROM impressions AS i
INNER JOIN ({{slop_videos}}) AS v ON v.video_id = i.video_id
INNER JOIN (SELECT video_id, cameo_consent, consent_changed_at, cameo_user_ids FROM videos FINAL) AS vv ON vv.video_id = i.video_id
WHERE NOT i.is_internal
	AND i.ts >= toDateTime64({from:Date}, 3, 'UTC') AND i.ts < toDateTime64({to:Date}, 3, 'UTC')
	AND (v.has_cameo OR v.copyright_flag)
GROUP BY video_id, creator_id, creator_kind, caption, v.copyright_flag, cameo_consent, consent_changed_at, cameo_people
HAVING unconsented_impressions > 0 OR v.copyright_flag
ORDER BY impressions DESC, video_id
LIMIT {limit:UInt32}
