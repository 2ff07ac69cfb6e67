-- Near-duplicate pairs, found once when a video's signature is written instead
-- of by a self-join in every query (7–9 s on the demo's 45 k videos).
--
-- A pair is (video_id, original_id): two videos sharing a MinHash bucket of
-- video_minhash whose caption shingles have Jaccard index ≥ 0.8; video_id is
-- the later of the two by (created_at, video_id), original_id the earlier. The
-- materialized view joins each inserted block of signatures with every stored
-- signature (read through the plain view video_minhash_all, which the
-- materialized view does not replace by the block; the block itself is already
-- stored when its views run), and orders each pair by creation time, so loading
-- videos out of order finds the same pairs. A video whose caption is later
-- changed keeps the pairs of its first caption.
CREATE VIEW IF NOT EXISTS video_minhash_all AS
SELECT video_id, created_at, shingles, buckets FROM video_minhash;

-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS video_near_duplicates (
	video_id String,
	original_id String,
	original_created_at DateTime64(3, 'UTC'),
	similarity Float64,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (video_id, original_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS video_near_duplicates_mv TO video_near_duplicates AS
SELECT
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), n.video_id, e.video_id) AS video_id,
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), e.video_id, n.video_id) AS original_id,
	if((n.created_at, n.video_id) > (e.created_at, e.video_id), e.created_at, n.created_at) AS original_created_at,
	max(arrayJaccardIndex(n.shingles, e.shingles)) AS similarity
FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS n
INNER JOIN (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash_all) AS e ON e.bucket = n.bucket
WHERE e.video_id != n.video_id
	AND arrayJaccardIndex(n.shingles, e.shingles) >= 0.8
GROUP BY video_id, original_id, original_created_at;

-- Videos loaded before this migration.
INSERT INTO video_near_duplicates (video_id, original_id, original_created_at, similarity)
SELECT
	a.video_id AS video_id,
	b.video_id AS original_id,
	any(b.created_at) AS original_created_at,
	max(arrayJaccardIndex(a.shingles, b.shingles)) AS similarity
FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash FINAL) AS a
INNER JOIN (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash FINAL) AS b ON a.bucket = b.bucket
WHERE (b.created_at, b.video_id) < (a.created_at, a.video_id)
	AND arrayJaccardIndex(a.shingles, b.shingles) >= 0.8
GROUP BY video_id, original_id;
