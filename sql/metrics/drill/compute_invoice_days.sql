-- Rows behind the invoice variance: each cluster-day with the spend computed
-- for it, its share of the month's invoice and the difference, largest
-- differences first: the days behind a month's variance. The month's invoices
-- are listed by id beside each day.
SELECT
	r.day AS day,
	r.cluster AS cluster,
	r.computed_usd AS computed_usd,
	r.invoiced_usd AS invoiced_usd,
	r.invoiced_usd - r.computed_usd AS variance_usd,
	i.invoice_ids AS invoice_ids,
	i.providers AS providers
FROM ({{compute_invoice_daily}}) AS r
LEFT JOIN (
	SELECT toString(cluster) AS cluster, month, groupArray(invoice_id) AS invoice_ids, groupUniqArray(toString(provider)) AS providers
	FROM gpu_invoices FINAL
	GROUP BY cluster, month
) AS i ON i.cluster = r.cluster AND i.month = toStartOfMonth(r.day)
ORDER BY abs(variance_usd) DESC, day, cluster
LIMIT {limit:UInt32}
