-- Remix trees behind remix_depth: for the roots whose trees drew the most human
-- impressions in [from, to), every video of the tree with its depth, parent and
-- impressions (ordered so a tree reads top-down). Trees are walked from each
-- original through remix_of (at most 64 hops).
WITH RECURSIVE
	v AS (SELECT video_id, remix_of, caption, creator_id FROM videos FINAL),
	tree AS (
		SELECT video_id AS root_id, video_id, '' AS parent_id, toUInt32(0) AS depth, [video_id] AS path
		FROM v WHERE remix_of = ''
		UNION ALL
		SELECT tree.root_id, v.video_id, v.remix_of, tree.depth + 1, arrayPushBack(tree.path, v.video_id)
		FROM v INNER JOIN tree ON v.remix_of = tree.video_id
		WHERE tree.depth < 64
	),
	imp AS (
		SELECT video_id, count() AS n FROM impressions
		WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') AND ts < toDateTime64({to:Date}, 3, 'UTC')
		GROUP BY video_id
	),
	nodes AS (
		SELECT t.root_id AS root_id, t.video_id AS video_id, t.parent_id AS parent_id, t.depth AS depth, t.path AS path, ifNull(imp.n, 0) AS impressions
		FROM tree AS t LEFT JOIN imp ON imp.video_id = t.video_id
	),
	top_roots AS (
		SELECT root_id, sum(impressions) AS tree_impressions, max(depth) AS tree_depth, count() AS tree_videos
		FROM nodes GROUP BY root_id
		HAVING tree_depth > 0 AND tree_impressions > 0
		ORDER BY tree_depth DESC, tree_impressions DESC, root_id
		LIMIT 8
	)
SELECT
	n.root_id AS root_id,
	r.tree_videos AS tree_videos,
	r.tree_depth AS tree_depth,
	r.tree_impressions AS tree_impressions,
	n.video_id AS video_id,
	n.parent_id AS parent_id,
	n.depth AS depth,
	vv.creator_id AS creator_id,
	vv.caption AS caption,
	-- What the remix changed: its caption minus the parent's when it extends it.
	if(n.depth > 0 AND startsWith(vv.caption, pv.caption), concat('… ', trimLeft(substring(vv.caption, length(pv.caption) + 1))), vv.caption) AS change,
	n.impressions AS impressions
FROM nodes AS n
INNER JOIN top_roots AS r ON r.root_id = n.root_id
INNER JOIN v AS vv ON vv.video_id = n.video_id
LEFT JOIN v AS pv ON pv.video_id = n.parent_id
ORDER BY r.tree_depth DESC, r.tree_impressions DESC, n.root_id, arrayStringConcat(n.path, '/')
LIMIT {limit:UInt32}
