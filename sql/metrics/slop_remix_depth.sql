-- Remix depth of every video: the number of remix_of hops to its root.
-- An original has depth 0; a remix of a video missing from `videos` has depth 1
-- (its own hop is known, the rest of its chain is not). Chains are followed at
-- most 64 hops, which also stops a malformed cycle; a video only reachable
-- through a cycle has no row here and counts as depth 0.
WITH RECURSIVE
	v AS (SELECT video_id, remix_of FROM videos FINAL),
	-- Only remixes extend a chain: each recursion step joins these, not every video.
	r AS (SELECT video_id, remix_of FROM v WHERE remix_of != ''),
	chain AS (
		SELECT video_id, toUInt32(if(remix_of = '', 0, 1)) AS depth
		FROM v
		WHERE remix_of = '' OR remix_of NOT IN (SELECT video_id FROM v)
		UNION ALL
		SELECT v.video_id AS video_id, chain.depth + 1 AS depth
		FROM r AS v INNER JOIN chain ON v.remix_of = chain.video_id
		WHERE chain.depth < 64
	)
SELECT video_id, max(depth) AS depth FROM chain GROUP BY video_id
