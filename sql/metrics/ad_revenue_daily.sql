-- Base rows: the ad revenue file, one row per day × country × platform (empty =
-- all). Decimal dollars summed exactly, then shown as a number.
SELECT
	date AS day,
	toString(country) AS country,
	toString(platform) AS platform,
	'ads' AS source,
	ad_impressions,
	toFloat64(revenue_usd) AS revenue_usd
FROM ad_revenue FINAL
WHERE date >= {from:Date} AND date < {to:Date}
