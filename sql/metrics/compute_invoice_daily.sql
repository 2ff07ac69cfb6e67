-- Base rows for reconciling compute spend with the providers' invoices
-- (gpu_invoices), one row per UTC day and cluster:
--   computed_usd: compute spend of rented capacity (fleet_gpu_hours; owned
--     hardware has no provider invoice, so it is not reconciled here);
--   invoiced_usd: the month's invoiced amount of the cluster (all its invoices
--     for that month) spread evenly over the days of the month, so a period
--     that cuts a month gets its share and each day shows what was billed
--     beside what was computed.
-- Variance = invoiced − computed: positive means billed more than computed.
SELECT day, cluster, sum(computed) AS computed_usd, sum(invoiced) AS invoiced_usd
FROM (
	SELECT day, cluster, spend_usd AS computed, 0 AS invoiced
	FROM ({{fleet_gpu_hours}})
	WHERE ownership = 'rented'
	UNION ALL
	SELECT d AS day, cluster, 0 AS computed, month_usd / toDayOfMonth(toLastDayOfMonth(month)) AS invoiced
	FROM (
		SELECT toString(cluster) AS cluster, month, toFloat64(sum(amount_usd)) AS month_usd
		FROM gpu_invoices FINAL
		WHERE month >= toStartOfMonth({from:Date}) AND month < {to:Date}
		GROUP BY cluster, month
	)
	ARRAY JOIN arrayMap(i -> month + i, range(toUInt32(toDayOfMonth(toLastDayOfMonth(month))))) AS d
	WHERE d >= {from:Date} AND d < {to:Date}
)
GROUP BY day, cluster
