-- Near-duplicate detection reads one signature per video, computed once when the
-- video row is written (materialized view on `videos`), never per query.
--
-- caption_norm: lower-cased words joined by single spaces (punctuation dropped).
-- shingles:     distinct word-bigram hashes of caption_norm; captions of fewer
--               than 4 words have too few bigrams for a meaningful Jaccard index
--               (and degenerate MinHash), so their whole normalized text is one
--               shingle: they match only an identical caption.
-- buckets:      LSH bucketing keys from ClickHouse's own MinHash functions: the
--               (min, max) pair of wordShingleMinHash over word bigrams and of
--               ngramMinHash over character 4-grams, each with one hash, so two
--               captions share a bucket with probability ≈ their Jaccard index
--               per key and ≈ 1 − (1 − J)^4 over all four. Buckets only pick
--               candidate pairs; arrayJaccardIndex on `shingles` decides. The
--               tuple's two hashes come back in no fixed order, so buckets are
--               compared as a set; a zero hash (degenerate input) is dropped.
-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS video_signatures (
	video_id String,
	created_at DateTime64(3, 'UTC'),
	caption_norm String,
	words UInt16,
	shingles Array(UInt64),
	buckets Array(UInt64),
	ingested_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY video_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS video_signatures_mv TO video_signatures AS
SELECT
	video_id,
	created_at,
	caption_norm,
	toUInt16(length(w)) AS words,
	if(length(w) >= 4,
		arrayDistinct(arrayMap(i -> cityHash64(w[i], w[i + 1]), range(1, length(w)))),
		[cityHash64(caption_norm)]) AS shingles,
	arrayFilter(b -> b != 0, if(length(w) >= 4,
		[tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 1), 1), tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 1), 2),
		 tupleElement(ngramMinHashUTF8(caption_norm, 4, 1), 1), tupleElement(ngramMinHashUTF8(caption_norm, 4, 1), 2)],
		[cityHash64(caption_norm)])) AS buckets,
	ingested_at
FROM (
	SELECT video_id, created_at, ingested_at, splitByNonAlpha(lowerUTF8(caption)) AS w, arrayStringConcat(w, ' ') AS caption_norm
	FROM videos
);

-- Videos loaded before this migration.
INSERT INTO video_signatures
SELECT
	video_id,
	created_at,
	caption_norm,
	toUInt16(length(w)) AS words,
	if(length(w) >= 4,
		arrayDistinct(arrayMap(i -> cityHash64(w[i], w[i + 1]), range(1, length(w)))),
		[cityHash64(caption_norm)]) AS shingles,
	arrayFilter(b -> b != 0, if(length(w) >= 4,
		[tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 1), 1), tupleElement(wordShingleMinHashUTF8(caption_norm, 2, 1), 2),
		 tupleElement(ngramMinHashUTF8(caption_norm, 4, 1), 1), tupleElement(ngramMinHashUTF8(caption_norm, 4, 1), 2)],
		[cityHash64(caption_norm)])) AS buckets,
	ingested_at
FROM (
	SELECT video_id, created_at, ingested_at, splitByNonAlpha(lowerUTF8(caption)) AS w, arrayStringConcat(w, ' ') AS caption_norm
	FROM videos
);
