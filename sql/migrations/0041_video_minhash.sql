-- Supersedes 0040's buckets, measured on the demo (45 k videos): MinHash keys
-- of a single hash collide across unrelated captions written from a shared
-- vocabulary (1 547 buckets, 459 M candidate pairs: near-duplicate queries ran
-- out of time). Each key here hashes the 3 smallest (resp. largest) shingle
-- hashes: 61 k buckets, 5.8 M candidate pairs. Two captions at Jaccard J share
-- one key with probability ≈ J³ (0.51 at J = 0.8), so any of the four keys
-- with ≈ 1 − (1 − J³)⁴ = 0.94; arrayJaccardIndex on `shingles` still decides.
-- Same columns and rules as video_signatures (0040), which stays in place but
-- is no longer read.
-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS video_minhash (
	video_id String,
	created_at DateTime64(3, 'UTC'),
	caption_norm String,
	words UInt16,
	shingles Array(UInt64),
	buckets Array(UInt64),
	ingested_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY video_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_minhash_mv TO video_minhash AS
SELECT
	video_id,
	created_at,
	caption_norm,
	toUInt16(length(w)) AS words,
	if(length(w) >= 4,
		arrayDistinct(arrayMap(i -> cityHash64(w[i], w[i + 1]), range(1, length(w)))),
		[cityHash64(caption_norm)]) AS shingles,
	arrayFilter(b -> b != 0, if(length(w) >= 4,
		[tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 3), 1), tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 3), 2),
		 tupleElement(ngramMinHashUTF8(caption_norm, 4, 3), 1), tupleElement(ngramMinHashUTF8(caption_norm, 4, 3), 2)],
		[cityHash64(caption_norm)])) AS buckets,
	ingested_at
FROM (
	SELECT video_id, created_at, ingested_at, splitByNonAlpha(lowerUTF8(caption)) AS w, arrayStringConcat(w, ' ') AS caption_norm
	FROM videos
);

-- Videos loaded before this migration.
INSERT INTO video_minhash
SELECT
	video_id,
	created_at,
	caption_norm,
	toUInt16(length(w)) AS words,
	if(length(w) >= 4,
		arrayDistinct(arrayMap(i -> cityHash64(w[i], w[i + 1]), range(1, length(w)))),
		[cityHash64(caption_norm)]) AS shingles,
	arrayFilter(b -> b != 0, if(length(w) >= 4,
		[tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 3), 1), tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 3), 2),
		 tupleElement(ngramMinHashUTF8(caption_norm, 4, 3), 1), tupleElement(ngramMinHashUTF8(caption_norm, 4, 3), 2)],
		[cityHash64(caption_norm)])) AS buckets,
	ingested_at
FROM (
	SELECT video_id, created_at, ingested_at, splitByNonAlpha(lowerUTF8(caption)) AS w, arrayStringConcat(w, ' ') AS caption_norm
	FROM videos
);
