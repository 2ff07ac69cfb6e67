-- stripe_mrr_lines, revised: prices without a unit amount (tiered, volume or
-- metered billing) count their line's net amount per billing interval instead
-- of unit_amount × quantity (which is 0 for them). Everything else as in 0021.
CREATE OR REPLACE VIEW stripe_mrr_lines AS
SELECT
	l.customer_id AS customer_id,
	l.subscription_id AS subscription_id,
	l.invoice_id AS invoice_id,
	l.line_id AS line_id,
	pp.plan AS plan,
	l.period_start AS valid_from,
	if(s.ended_at IS NULL, l.period_end, least(l.period_end, assumeNotNull(s.ended_at))) AS valid_to,
	if(pp.unit_amount > 0,
		toDecimal128(pp.unit_amount * l.quantity, 9) * l.net / abs(l.amount),
		toDecimal128(l.net, 9)) * pp.month_num / (pp.month_den * 100) AS mrr_usd
FROM stripe_lines_current AS l
INNER JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
LEFT JOIN (SELECT subscription_id, ended_at FROM stripe_subscriptions FINAL) AS s ON s.subscription_id = l.subscription_id
WHERE l.invoice_status IN ('paid', 'open') AND pp.recurring_interval != '' AND l.amount != 0 AND l.subscription_id != '';
