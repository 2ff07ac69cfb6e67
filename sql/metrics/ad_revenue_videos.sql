-- Base rows: ad revenue allocated to videos, pro rata to their human feed
-- impressions (is_internal = false) in the cells an ad row matches (UTC day,
-- and country and platform when the row names them): each impression carries
-- its cell's rate (ad_revenue_rates.sql, the same rates as the allocation to
-- users), so Σ over videos = Σ over users = the allocated ad revenue of the day.
-- One row per day × video × rec_arm × feed_mode × country × platform, with the
-- video's creator (creator_kind and creator '' when the video is not in
-- `videos`: the LEFT JOIN's empty default; its impressions still carry their ads). Ad rows with no matching
-- impression: video_id '' and allocated false (unallocated). An impression in a
-- cell no ad row matched carries $0 (the LEFT JOIN's default rate), so imps are
-- all human impressions.
WITH rates AS (
	SELECT kind, day, country, platform, usd_per_impression, unallocated_usd
	FROM ({{ad_revenue_rates}})
)
SELECT
	i.day AS day,
	i.video_id AS video_id,
	v.creator_id AS creator,
	v.creator_kind AS creator_kind,
	i.rec_arm AS rec_arm,
	i.feed_mode AS feed_mode,
	i.country AS country,
	i.platform AS platform,
	true AS allocated,
	i.imps AS imps,
	i.imps * r.usd_per_impression AS revenue_usd
FROM (
	SELECT toDate(ts) AS day, video_id, toString(rec_arm) AS rec_arm, toString(feed_mode) AS feed_mode,
		toString(country) AS country, toString(platform) AS platform, count() AS imps
	FROM impressions
	WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') AND ts < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY day, video_id, rec_arm, feed_mode, country, platform
) AS i
LEFT JOIN (SELECT * FROM rates WHERE kind = 'rate') AS r ON r.day = i.day AND r.country = i.country AND r.platform = i.platform
LEFT JOIN (SELECT video_id, creator_id, toString(creator_kind) AS creator_kind FROM videos FINAL) AS v ON v.video_id = i.video_id
UNION ALL
SELECT day, '' AS video_id, '' AS creator, '' AS creator_kind, '' AS rec_arm, '' AS feed_mode, country, platform,
	false AS allocated, 0 AS imps, unallocated_usd AS revenue_usd
FROM rates
WHERE kind = 'unallocated'
