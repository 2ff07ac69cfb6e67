-- Rows behind revenue reconciliation: per month, item (recognized, invoiced,
-- collected and each cause) and invoice, the amount in USD; refunds have no
-- invoice (''). For each month, Σ over items follows the identities in
-- sql/metrics/revenue_reconciliation.sql, so filtering one item lists the
-- invoices behind that part of the difference, largest first.
SELECT toStartOfMonth(day) AS month, item, invoice_id, sum(amount_usd) AS amount_usd, min(day) AS first_day, max(day) AS last_day
FROM ({{revenue_reconciliation}})
GROUP BY month, item, invoice_id
HAVING amount_usd != 0
ORDER BY month, item, abs(amount_usd) DESC, invoice_id
