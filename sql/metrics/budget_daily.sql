-- Base rows for budget vs actual, one row per UTC day, budget line and cluster:
--   compute: actual = compute spend of the cluster-day (fleet_gpu_hours);
--   revenue: actual = recognized subscription + ad revenue of the day
--     (revenue_daily), cluster '' (revenue is budgeted for the company);
--   budget_usd: each monthly budget spread evenly over the days of its month,
--     so a period that cuts a month (month to date) is compared with that
--     share of the budget. A compute budget with an empty scope is the whole
--     company's: in a month that has one, per-cluster compute budgets are a
--     breakdown and are left out, so budgets are never counted twice.
WITH budget_months AS (
	SELECT month, toString(line) AS budget_line, scope, toFloat64(amount_usd) AS amount
	FROM budgets FINAL
	WHERE month >= toStartOfMonth({from:Date}) AND month < {to:Date}
),
kept AS (
	SELECT b.month AS month, b.budget_line AS budget_line, b.scope AS scope, b.amount AS amount
	FROM budget_months AS b
	LEFT JOIN (
		SELECT month, budget_line, countIf(scope = '') > 0 AS has_company FROM budget_months GROUP BY month, budget_line
	) AS c ON c.month = b.month AND c.budget_line = b.budget_line
	WHERE b.scope = '' OR NOT c.has_company
)
SELECT day, budget_line, cluster, sum(actual) AS actual_usd, sum(budget) AS budget_usd
FROM (
	SELECT day, 'compute' AS budget_line, cluster, spend_usd AS actual, 0 AS budget
	FROM ({{fleet_gpu_hours}})
	UNION ALL
	SELECT day, 'revenue' AS budget_line, '' AS cluster, revenue_usd AS actual, 0 AS budget
	FROM ({{revenue_daily}})
	UNION ALL
	SELECT d AS day, budget_line, scope AS cluster, 0 AS actual, amount / toDayOfMonth(toLastDayOfMonth(month)) AS budget
	FROM kept
	ARRAY JOIN arrayMap(i -> month + i, range(toUInt32(toDayOfMonth(toLastDayOfMonth(month))))) AS d
	WHERE d >= {from:Date} AND d < {to:Date}
)
GROUP BY day, budget_line, cluster
