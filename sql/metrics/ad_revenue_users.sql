-- Base rows: ad revenue allocated to users, pro rata to their human feed
-- impressions (is_internal = false) on the same day — and in the same country
-- and platform when the ad row names them (empty = all). An ad row with no
-- matching impression stays whole with user_id '' (unallocated), so the rows
-- always add up to the ad revenue file.
--
-- Computed per cell (day × country × platform) rather than per viewer: an ad
-- row's N = impressions of the cells it matches; each cell gets Σ revenue / N
-- of the ad rows matching it, in dollars per impression; a viewer gets their
-- impressions × that rate. Same arithmetic as revenue × n / N per viewer, with
-- the viewers read twice instead of once per kind of ad row.
WITH
ads AS (
	SELECT day, country, platform, revenue_usd
	FROM ({{ad_revenue_daily}})
),
views AS (
	SELECT day, user_id, country, platform, sum(imps) AS n
	FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} AND day < {to:Date}
	GROUP BY day, user_id, country, platform
),
cells AS (
	SELECT day, country, platform, sum(n) AS n
	FROM views
	GROUP BY day, country, platform
),
ad_cells AS (
	SELECT a.day AS day, a.country AS ad_country, a.platform AS ad_platform, a.revenue_usd AS revenue_usd,
		c.country AS country, c.platform AS platform, c.n AS n
	FROM ads AS a
	INNER JOIN cells AS c ON c.day = a.day
	WHERE (a.country = '' OR a.country = c.country) AND (a.platform = '' OR a.platform = c.platform)
),
rates AS (
	SELECT day, country, platform, sum(revenue_usd / ad_n) AS usd_per_impression
	FROM (SELECT *, sum(n) OVER (PARTITION BY day, ad_country, ad_platform) AS ad_n FROM ad_cells)
	GROUP BY day, country, platform
)
SELECT v.day AS day, v.user_id AS user_id, sum(v.n * r.usd_per_impression) AS revenue_usd
FROM views AS v
INNER JOIN rates AS r ON r.day = v.day AND r.country = v.country AND r.platform = v.platform
GROUP BY day, user_id
UNION ALL
SELECT day, '' AS user_id, revenue_usd
FROM ads
WHERE (day, country, platform) NOT IN (SELECT DISTINCT day, ad_country, ad_platform FROM ad_cells)
