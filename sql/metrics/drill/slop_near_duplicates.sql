-- Near-duplicate families behind near_duplicate_share: videos grouped by the
-- earliest video they duplicate (see slop_near_duplicates.sql), biggest by
-- human impressions of the duplicates (not the original) in [from, to).
-- Example captions: up to 3 members'.
SELECT
	f.original_id AS original_id,
	o.caption AS original_caption,
	toString(o.created_at) AS original_created_at,
	uniqExact(f.video_id) + 1 AS videos,
	sum(ifNull(imp.n, 0)) AS duplicate_impressions,
	arraySlice(groupArray(v.caption), 1, 3) AS example_captions,
	round(avg(f.similarity), 3) AS mean_similarity
FROM ({{slop_near_duplicates}}) AS f
INNER JOIN ({{slop_videos}}) AS v ON v.video_id = f.video_id
INNER JOIN ({{slop_videos}}) AS o ON o.video_id = f.original_id
LEFT JOIN (
	SELECT video_id, count() AS n FROM impressions
	WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') AND ts < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY video_id
) AS imp ON imp.video_id = f.video_id
GROUP BY original_id, original_caption, original_created_at
HAVING duplicate_impressions > 0
ORDER BY duplicate_impressions DESC, videos DESC, original_id
LIMIT {limit:UInt32}
