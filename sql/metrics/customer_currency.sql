-- The currency each Stripe customer is billed in (lower case; 'usd' when
-- unknown): Stripe bills a customer in one currency, so the currency of its
-- latest subscription, else of its latest invoice. What MRR (kept per
-- customer, not per object) is converted from.
SELECT customer_id, if(argMax(currency, (rank, created)) = '', 'usd', argMax(currency, (rank, created))) AS currency
FROM (
	SELECT customer_id, currency, created, 1 AS rank FROM stripe_subscriptions FINAL
	UNION ALL
	SELECT customer_id, currency, created, 0 AS rank FROM stripe_invoices FINAL
)
GROUP BY customer_id
