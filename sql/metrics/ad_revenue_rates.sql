-- Ad revenue per human feed impression (is_internal = false), per cell
-- (UTC day × country × platform), for allocating ads to users
-- (ad_revenue_users.sql) and to videos (ad_revenue_videos.sql) alike, so the
-- two allocations add up to the same dollars.
--
-- An ad row matches the cells of its day, and of its country and platform
-- when it names them (empty = all); its N = impressions of the cells it
-- matches; each cell gets Σ revenue / N of the ad rows matching it (kind
-- 'rate', usd_per_impression). An ad row that matches no impression stays
-- whole (kind 'unallocated', unallocated_usd, with the ad row's country and
-- platform), so the rows always add up to the ad revenue file.
WITH
ads AS (
	SELECT day, country, platform, revenue_usd
	FROM ({{ad_revenue_daily}})
),
cells AS (
	SELECT day, country, platform, sum(imps) AS n
	FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} AND day < {to:Date}
	GROUP BY day, country, platform
),
ad_cells AS (
	SELECT a.day AS day, a.country AS ad_country, a.platform AS ad_platform, a.revenue_usd AS revenue_usd,
		c.country AS country, c.platform AS platform, c.n AS n
	FROM ads AS a
	INNER JOIN cells AS c ON c.day = a.day
	WHERE (a.country = '' OR a.country = c.country) AND (a.platform = '' OR a.platform = c.platform)
)
SELECT 'rate' AS kind, day, country, platform, sum(revenue_usd / ad_n) AS usd_per_impression, 0 AS unallocated_usd
FROM (SELECT *, sum(n) OVER (PARTITION BY day, ad_country, ad_platform) AS ad_n FROM ad_cells)
GROUP BY day, country, platform
UNION ALL
SELECT 'unallocated' AS kind, day, country, platform, 0 AS usd_per_impression, revenue_usd AS unallocated_usd
FROM ads
WHERE (day, country, platform) NOT IN (SELECT DISTINCT day, ad_country, ad_platform FROM ad_cells)
