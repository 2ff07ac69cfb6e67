-- Videos that are near duplicates of a video created earlier: the two share a
-- MinHash bucket and the Jaccard index of their caption shingles is ≥ 0.8
-- (identical captions: 1). Found at ingest between captions rather than videos
-- (migration 0070): caption_pairs holds the pairs of different captions,
-- caption_first each caption's earliest video. "Earlier" is (created_at,
-- video_id) so two identical captions created in the same millisecond still
-- make one original and one duplicate.
-- original_id: the earliest such video, used as the family key of clusters;
-- similarity: the best Jaccard index with any earlier such video.
WITH
firsts AS (SELECT caption, min(first) AS first FROM caption_first GROUP BY caption),
similar AS (
	SELECT caption AS a, caption AS b, 1.0 AS similarity FROM firsts
	UNION ALL
	SELECT a, b, max(similarity) AS similarity FROM caption_pairs GROUP BY a, b
)
SELECT
	v.video_id AS video_id,
	argMin(tupleElement(f.first, 2), f.first) AS original_id,
	max(s.similarity) AS similarity
FROM (SELECT video_id, created_at, cityHash64(shingles) AS caption FROM video_minhash FINAL) AS v
INNER JOIN similar AS s ON s.a = v.caption
INNER JOIN firsts AS f ON f.caption = s.b
-- Not itself: a video whose created_at was corrected is the first of its own caption.
WHERE f.first < (v.created_at, v.video_id) AND tupleElement(f.first, 2) != v.video_id
GROUP BY v.video_id
