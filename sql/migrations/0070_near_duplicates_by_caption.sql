-- Why: 0044's view paired each inserted video with every stored video sharing
-- a MinHash bucket and kept every pair, so N videos sharing one caption made
-- N²/2 pairs (50 k videos: 1.25 billion rows, computed block after block).
-- What a reader needs of a video is only its earliest near-duplicate and the
-- best similarity, and videos with the same caption are interchangeable for
-- that. So pairs are now kept between *captions* (distinct shingle sets), and
-- each caption keeps its earliest video; slop_near_duplicates.sql joins them.
-- Same rule as 0042: two videos are near-duplicates when they share a bucket
-- and their caption shingles have Jaccard index ≥ 0.8 (identical captions: 1);
-- the later by (created_at, video_id) is the duplicate, the earliest such
-- other video its original, so loading videos out of order gives the same.
-- A caption is cityHash64 of its shingle array.
DROP VIEW IF EXISTS video_near_duplicates_mv;

-- Each caption's earliest video (over every version of every video loaded).
-- @shard_key caption
CREATE TABLE IF NOT EXISTS caption_first (
	caption UInt64,
	shingles SimpleAggregateFunction(any, Array(UInt64)),
	buckets SimpleAggregateFunction(any, Array(UInt64)),
	first SimpleAggregateFunction(min, Tuple(DateTime64(3, 'UTC'), String))
) ENGINE = AggregatingMergeTree
ORDER BY caption;

CREATE MATERIALIZED VIEW IF NOT EXISTS caption_first_mv TO caption_first AS
SELECT caption, any(s) AS shingles, any(b) AS buckets, min(f) AS first
FROM (SELECT cityHash64(shingles) AS caption, shingles AS s, buckets AS b, (created_at, video_id) AS f FROM video_minhash)
GROUP BY caption;

-- Pairs of different captions that share a bucket with Jaccard index ≥ 0.8, both ways round.
-- @shard_key a
CREATE TABLE IF NOT EXISTS caption_pairs (
	a UInt64,
	b UInt64,
	similarity Float64
) ENGINE = ReplacingMergeTree
ORDER BY (a, b);

-- The inserted block's captions against the stored captions of its buckets
-- (video_minhash_all is the stored table, the block included: 0042). Both
-- sides are distinct captions, so a caption shared by many videos costs one row.
CREATE MATERIALIZED VIEW IF NOT EXISTS caption_pairs_mv TO caption_pairs AS
SELECT p.1 AS a, p.2 AS b, max(s) AS similarity
FROM (
	SELECT arrayJoin([(n.caption, e.caption), (e.caption, n.caption)]) AS p, arrayJaccardIndex(n.shingles, e.shingles) AS s
	FROM (SELECT DISTINCT cityHash64(shingles) AS caption, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS n
	INNER JOIN (
		SELECT DISTINCT cityHash64(shingles) AS caption, shingles, bucket
		FROM (SELECT shingles, arrayJoin(buckets) AS bucket FROM video_minhash_all)
		WHERE bucket IN (SELECT arrayJoin(buckets) FROM video_minhash)
	) AS e ON e.bucket = n.bucket
	WHERE e.caption != n.caption AND arrayJaccardIndex(n.shingles, e.shingles) >= 0.8
)
GROUP BY a, b;

-- Videos loaded before this migration.
INSERT INTO caption_first
SELECT caption, any(s) AS shingles, any(b) AS buckets, min(f) AS first
FROM (SELECT cityHash64(shingles) AS caption, shingles AS s, buckets AS b, (created_at, video_id) AS f FROM video_minhash)
GROUP BY caption;

INSERT INTO caption_pairs
SELECT x.caption AS a, y.caption AS b, max(arrayJaccardIndex(x.shingles, y.shingles)) AS similarity
FROM (SELECT DISTINCT cityHash64(shingles) AS caption, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS x
INNER JOIN (SELECT DISTINCT cityHash64(shingles) AS caption, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS y ON x.bucket = y.bucket
WHERE x.caption != y.caption AND arrayJaccardIndex(x.shingles, y.shingles) >= 0.8
GROUP BY a, b;
