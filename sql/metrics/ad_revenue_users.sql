-- Base rows: ad revenue allocated to users, pro rata to their human feed
-- impressions (is_internal = false) on the same day — and in the same country
-- and platform when the ad row names them (empty = all). An ad row with no
-- matching impression stays whole with user_id '' (unallocated), so the rows
-- always add up to the ad revenue file.
--
-- Computed per cell (day × country × platform) rather than per viewer
-- (ad_revenue_rates.sql): a viewer gets their impressions × their cells' rate.
-- Same arithmetic as revenue × n / N per viewer, with the viewers read twice
-- instead of once per kind of ad row.
WITH
rates AS (
	SELECT kind, day, country, platform, usd_per_impression, unallocated_usd
	FROM ({{ad_revenue_rates}})
),
views AS (
	SELECT day, user_id, country, platform, sum(imps) AS n
	FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} AND day < {to:Date}
	GROUP BY day, user_id, country, platform
)
SELECT v.day AS day, v.user_id AS user_id, sum(v.n * r.usd_per_impression) AS revenue_usd
FROM views AS v
INNER JOIN (SELECT * FROM rates WHERE kind = 'rate') AS r ON r.day = v.day AND r.country = v.country AND r.platform = v.platform
GROUP BY day, user_id
UNION ALL
SELECT day, '' AS user_id, unallocated_usd AS revenue_usd
FROM rates
WHERE kind = 'unallocated'
