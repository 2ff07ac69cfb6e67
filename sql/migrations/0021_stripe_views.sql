-- Derived Stripe relations shared by the revenue metrics and by other areas
-- (unit economics and engagement join user_plan_intervals). Plain views: they
-- read the typed tables of 0020 with FINAL, so they are always current.

-- Which Loopmeter user a Stripe customer is: users.stripe_customer_id first
-- (latest users row wins), then the customer's metadata.user_id, else the
-- stand-in 'stripe:<customer id>' so unlinked revenue still adds up.
CREATE OR REPLACE VIEW stripe_customer_users AS
SELECT
	ids.customer_id AS customer_id,
	multiIf(linked.user_id != '', linked.user_id, meta.metadata_user_id != '', meta.metadata_user_id, concat('stripe:', ids.customer_id)) AS user_id
FROM (
	SELECT DISTINCT customer_id FROM (
		SELECT customer_id FROM stripe_customers
		UNION ALL SELECT customer_id FROM stripe_invoices
		UNION ALL SELECT customer_id FROM stripe_credit_notes
		UNION ALL SELECT customer_id FROM stripe_charges
		UNION ALL SELECT customer_id FROM stripe_refunds
		UNION ALL SELECT customer_id FROM stripe_subscriptions
	) WHERE customer_id != ''
) AS ids
LEFT JOIN (
	SELECT stripe_customer_id, min(user_id) AS user_id
	FROM (SELECT user_id, argMax(stripe_customer_id, ingested_at) AS stripe_customer_id FROM users GROUP BY user_id)
	WHERE stripe_customer_id != ''
	GROUP BY stripe_customer_id
) AS linked ON linked.stripe_customer_id = ids.customer_id
LEFT JOIN (SELECT customer_id, metadata_user_id FROM stripe_customers FINAL) AS meta ON meta.customer_id = ids.customer_id;

-- Plan name of each price: product metadata, then price metadata, then the
-- plan read from the price's lookup_key (mapping in config), then the product
-- name in lower case. month_num / month_den turn one billing interval into a
-- month: month 1/n, year 1/(12n), week 52/(12n), day 365/(12n).
CREATE OR REPLACE VIEW stripe_price_plans AS
SELECT
	p.price_id AS price_id,
	p.product_id AS product_id,
	p.unit_amount AS unit_amount,
	p.recurring_interval AS recurring_interval,
	multiIf(pr.metadata_plan != '', pr.metadata_plan, p.metadata_plan != '', p.metadata_plan,
		p.lookup_key_plan != '', p.lookup_key_plan, pr.name != '', lower(pr.name), 'unknown') AS plan,
	toUInt64(multiIf(p.recurring_interval = 'week', 52, p.recurring_interval = 'day', 365, 1)) AS month_num,
	toUInt64(greatest(p.interval_count, 1) * if(p.recurring_interval IN ('year', 'week', 'day'), 12, 1)) AS month_den
FROM (SELECT * FROM stripe_prices FINAL) AS p
LEFT JOIN (SELECT product_id, name, metadata_plan FROM stripe_products FINAL) AS pr ON pr.product_id = p.product_id;

-- Lines of each invoice's newest state, with net = amount − discounts −
-- tax included in the amount (cents, USD).
CREATE OR REPLACE VIEW stripe_lines_current AS
SELECT
	l.invoice_id AS invoice_id,
	l.line_id AS line_id,
	l.customer_id AS customer_id,
	l.subscription_id AS subscription_id,
	l.price_id AS price_id,
	l.amount AS amount,
	l.amount - l.discount - l.inclusive_tax AS net,
	l.quantity AS quantity,
	l.period_start AS period_start,
	l.period_end AS period_end,
	l.proration AS proration,
	i.status AS invoice_status,
	i.paid_at AS paid_at
FROM (SELECT * FROM stripe_invoice_lines FINAL) AS l
INNER JOIN (SELECT invoice_id, version, status, paid_at FROM stripe_invoices FINAL) AS i
	ON i.invoice_id = l.invoice_id AND i.version = l.version;

-- Recurring value of every subscription line, as USD per month, over the time
-- it covers: [period_start, period_end) cut at the subscription's ended_at.
-- value = unit_amount × quantity normalized to a month × (net / |amount|):
-- a discount scales it, and a proration credit ("unused time on Plus") is
-- negative, so after a mid-period upgrade Plus nets to 0 and Pro counts.
-- Lines of paid and open invoices count (an unpaid subscription is still
-- active). $0 lines (trials) count as 0.
CREATE OR REPLACE VIEW stripe_mrr_lines AS
SELECT
	l.customer_id AS customer_id,
	l.subscription_id AS subscription_id,
	l.invoice_id AS invoice_id,
	l.line_id AS line_id,
	pp.plan AS plan,
	l.period_start AS valid_from,
	if(s.ended_at IS NULL, l.period_end, least(l.period_end, assumeNotNull(s.ended_at))) AS valid_to,
	toDecimal128(pp.unit_amount * l.quantity, 9) * l.net / abs(l.amount) * pp.month_num / (pp.month_den * 100) AS mrr_usd
FROM stripe_lines_current AS l
INNER JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
LEFT JOIN (SELECT subscription_id, ended_at FROM stripe_subscriptions FINAL) AS s ON s.subscription_id = l.subscription_id
WHERE l.invoice_status IN ('paid', 'open') AND pp.recurring_interval != '' AND l.amount != 0 AND l.subscription_id != '';
