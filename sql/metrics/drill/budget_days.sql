-- Rows behind budget vs actual: each day, budget line and cluster with its
-- actual, its share of the month's budget and the difference (actual − budget),
-- largest differences first.
SELECT day, budget_line, cluster, actual_usd, budget_usd, actual_usd - budget_usd AS variance_usd
FROM ({{budget_daily}})
ORDER BY abs(variance_usd) DESC, day, budget_line, cluster
LIMIT {limit:UInt32}
