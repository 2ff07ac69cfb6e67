-- Creators behind creator_concentration: human impressions per creator in
-- [from, to), biggest first, with each one's share and the running share (the
-- Lorenz curve read from the top), and the ad revenue allocated to the
-- creator's videos in the period (video_ad_revenue, ad_revenue_videos.sql).
SELECT c.*, a.ad_revenue_usd AS ad_revenue_usd
FROM (
	SELECT
		creator_id,
		any(creator_kind) AS creator_kind,
		count() AS impressions,
		impressions / sum(impressions) OVER () AS share,
		sum(impressions) OVER (ORDER BY impressions DESC, creator_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) / sum(impressions) OVER () AS cumulative_share,
		row_number() OVER (ORDER BY impressions DESC, creator_id) AS rank,
		count() OVER () AS creators
	FROM ({{slop_impression_videos}})
	GROUP BY creator_id
	ORDER BY impressions DESC, creator_id
	LIMIT {limit:UInt32}
) AS c
LEFT JOIN (
	SELECT creator, sum(revenue_usd) AS ad_revenue_usd
	FROM ({{ad_revenue_videos}})
	WHERE allocated
	GROUP BY creator
) AS a ON a.creator = c.creator_id
ORDER BY c.impressions DESC, c.creator_id
