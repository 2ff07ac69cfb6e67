-- Videos that are near duplicates of a video created earlier: they share at least
-- one MinHash bucket (video_signatures, computed once per video at ingest) with
-- that video and the Jaccard index of their caption shingles is ≥ 0.8.
-- "Earlier" is (created_at, video_id) so two identical captions created in the
-- same millisecond still make one original and one duplicate.
-- original_id: the earliest such video, used as the family key of clusters.
SELECT
	a.video_id AS video_id,
	argMin(b.video_id, (b.created_at, b.video_id)) AS original_id,
	max(arrayJaccardIndex(a.shingles, b.shingles)) AS similarity
FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_signatures FINAL) AS a
INNER JOIN (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_signatures FINAL) AS b
	ON a.bucket = b.bucket
WHERE (b.created_at, b.video_id) < (a.created_at, a.video_id)
	AND arrayJaccardIndex(a.shingles, b.shingles) >= 0.8
GROUP BY a.video_id
