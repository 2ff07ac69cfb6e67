-- Videos behind video_ad_revenue: the ad revenue allocated to each video in
-- [from, to) (ad_revenue_videos.sql), biggest first, with its creator, human
-- feed impressions, dollars per 1 000 impressions and share of the allocated
-- total. Σ ad_revenue_usd over the rows = the metric's value (ad rows that no
-- impression matched are not a video's: the metric's unallocated_usd).
-- video_id may be a video missing from `videos` (creator empty).
SELECT
	video_id,
	any(creator) AS creator,
	any(creator_kind) AS creator_kind,
	sum(imps) AS impressions,
	sum(revenue_usd) AS ad_revenue_usd,
	1000 * ad_revenue_usd / nullIf(impressions, 0) AS usd_per_1000_impressions,
	ad_revenue_usd / nullIf(sum(ad_revenue_usd) OVER (), 0) AS share
FROM (
	SELECT * FROM ({{ad_revenue_videos}})
	WHERE allocated /*filters*/
)
GROUP BY video_id
ORDER BY ad_revenue_usd DESC, video_id
