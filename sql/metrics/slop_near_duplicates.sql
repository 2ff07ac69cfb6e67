-- Videos that are near duplicates of a video created earlier, from the pairs
-- found once at ingest (video_near_duplicates, migration 0042): the two share
-- a MinHash bucket and the Jaccard index of their caption shingles is ≥ 0.8.
-- "Earlier" is (created_at, video_id) so two identical captions created in the
-- same millisecond still make one original and one duplicate.
-- original_id: the earliest such video, used as the family key of clusters.
SELECT
	video_id,
	argMin(original_id, (original_created_at, original_id)) AS original_id,
	max(similarity) AS similarity
FROM video_near_duplicates FINAL
GROUP BY video_id
