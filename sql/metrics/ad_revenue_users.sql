-- Base rows: ad revenue allocated to users, pro rata to their human feed
-- impressions (is_internal = false) on the same day — and in the same country
-- and platform when the ad row names them (empty = all). An ad row with no
-- matching impression stays whole with user_id '' (unallocated), so the rows
-- always add up to the ad revenue file.
-- Each kind of ad row (country and platform named, one of them, neither) is an
-- equi-join of its own, so the join stays the size of the matching viewers.
WITH
ads AS (
	SELECT day, country, platform, revenue_usd, concat(country, '|', platform) AS ad_key
	FROM ({{ad_revenue_daily}})
),
views AS (
	SELECT toDate(ts) AS day, user_id, toString(country) AS country, toString(platform) AS platform, count() AS n
	FROM impressions
	WHERE NOT is_internal
		AND ts >= toDateTime64({from:Date}, 3, 'UTC')
		AND ts < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY day, user_id, country, platform
),
matched AS (
	SELECT a.day AS day, a.ad_key AS ad_key, a.revenue_usd AS revenue_usd, v.user_id AS user_id, v.n AS n
	FROM ads AS a INNER JOIN views AS v ON v.day = a.day AND v.country = a.country AND v.platform = a.platform
	WHERE a.country != '' AND a.platform != ''
	UNION ALL
	SELECT a.day, a.ad_key, a.revenue_usd, v.user_id, v.n
	FROM ads AS a INNER JOIN views AS v ON v.day = a.day AND v.country = a.country
	WHERE a.country != '' AND a.platform = ''
	UNION ALL
	SELECT a.day, a.ad_key, a.revenue_usd, v.user_id, v.n
	FROM ads AS a INNER JOIN views AS v ON v.day = a.day AND v.platform = a.platform
	WHERE a.country = '' AND a.platform != ''
	UNION ALL
	SELECT a.day, a.ad_key, a.revenue_usd, v.user_id, v.n
	FROM ads AS a INNER JOIN views AS v ON v.day = a.day
	WHERE a.country = '' AND a.platform = ''
)
SELECT day, user_id, sum(share) AS revenue_usd
FROM (
	SELECT day, user_id, revenue_usd * n / sum(n) OVER (PARTITION BY day, ad_key) AS share
	FROM matched
)
GROUP BY day, user_id
UNION ALL
SELECT day, '' AS user_id, revenue_usd
FROM ads
WHERE (day, ad_key) NOT IN (SELECT DISTINCT day, ad_key FROM matched)
