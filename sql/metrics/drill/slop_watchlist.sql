-- Likeness and rights watchlist behind cameo_unconsented_share and
-- copyright_share: videos shown to people in [from, to) that carry a cameo
-- without current consent or a copyright flag, most seen first.
SELECT
	v.video_id AS video_id,
	v.creator_id AS creator_id,
	v.creator_kind AS creator_kind,
	v.caption AS caption,
	multiIf(v.cameo_unconsented AND v.copyright_flag, 'cameo + copyright', v.cameo_unconsented, 'cameo without consent', 'copyright') AS issue,
	toString(vv.cameo_consent) AS cameo_consent,
	length(vv.cameo_user_ids) AS cameo_people,
	count() AS impressions,
	uniqExact(i.user_id) AS viewers,
	toString(min(i.ts)) AS first_seen,
	toString(max(i.ts)) AS last_seen
FROM impressions AS i
INNER JOIN ({{slop_videos}}) AS v ON v.video_id = i.video_id
INNER JOIN (SELECT video_id, cameo_consent, cameo_user_ids FROM videos FINAL) AS vv ON vv.video_id = i.video_id
WHERE NOT i.is_internal
	AND i.ts >= toDateTime64({from:Date}, 3, 'UTC') AND i.ts < toDateTime64({to:Date}, 3, 'UTC')
	AND (v.cameo_unconsented OR v.copyright_flag)
GROUP BY video_id, creator_id, creator_kind, caption, issue, cameo_consent, cameo_people
ORDER BY impressions DESC, video_id
LIMIT {limit:UInt32}
