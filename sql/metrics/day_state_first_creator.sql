-- Kept for the novelty day table (src/lib/server/metrics/day-table-state.ts): each
-- human user's first impression of each creator, by (ts, impression_id) as in
-- slop_novelty_daily.sql, among the impressions inserted after the watermark
-- {after:Map(String, UInt64)} (the highest block of each partition already
-- counted; an empty map: every impression). The kept first of a pair is the
-- earliest of these over every insert, so it is computed once per impression
-- instead of over all history after every ingest. On a cluster the watermark
-- counts per shard (`<shard>/<partition>`, day-table-changes.ts): shardNum() is
-- the shard a row is read from there, 0 on one node.
SELECT
	h.user_id AS user_id,
	hv.creator_id AS creator_id,
	min(h.ts) AS first_ts,
	argMin(h.impression_id, (h.ts, h.impression_id)) AS first_id
FROM impressions AS h
INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS hv ON hv.video_id = h.video_id
WHERE NOT h.is_internal
	AND toUInt64(splitByChar('_', h._part)[3]) > {after:Map(String, UInt64)}[if(shardNum() = 0, h._partition_id, concat(toString(shardNum()), '/', h._partition_id))]
GROUP BY user_id, creator_id
