-- Rows behind ad revenue: the ad revenue file's rows in the period. Σ revenue_usd = ad revenue.
SELECT day, country, platform, ad_impressions, revenue_usd
FROM ({{ad_revenue_daily}})
ORDER BY day, country, platform
