-- Why: 0042's materialized view joined each inserted block of video signatures
-- with every stored signature: the whole table (one row per video and bucket)
-- was read and hashed on every insert, and a caption shared by thousands of
-- videos made each block pay for all of them. The stored side is now
-- restricted to the buckets of the inserted block (the `video_minhash` in the
-- IN subquery is the block, as in the view's FROM; video_minhash_all is the
-- stored table), so an insert reads only the candidates it can pair with.
-- Same pairs, same rules as 0042 (which is never edited): a pair is two videos
-- sharing a bucket whose caption shingles have Jaccard index ≥ 0.8, ordered by
-- (created_at, video_id), so loading videos out of order finds the same pairs.
DROP VIEW IF EXISTS video_near_duplicates_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_near_duplicates_mv TO video_near_duplicates AS
SELECT
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), n.video_id, e.video_id) AS video_id,
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), e.video_id, n.video_id) AS original_id,
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), e.created_at, n.created_at) AS original_created_at,
	max(arrayJaccardIndex(n.shingles, e.shingles)) AS similarity
FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS n
INNER JOIN (
	SELECT video_id, created_at, shingles, bucket
	FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash_all)
	WHERE bucket IN (SELECT arrayJoin(buckets) FROM video_minhash)
) AS e ON e.bucket = n.bucket
WHERE e.video_id != n.video_id
	AND arrayJaccardIndex(n.shingles, e.shingles) >= 0.8
GROUP BY video_id, original_id, original_created_at;
