-- MRR changes per customer, plan and day, for every day before {to:Date}
-- (history included: levels are running sums of these), from the source the
-- request chose ({mrr_source:String}, a zod enum in src/lib/contracts/mrr-policy.ts):
--   subscriptions (default)  each subscription's state over time, as Stripe counts MRR
--                            (mrr_changes_subscriptions.sql)
--   invoices                 the recurring lines of paid and open invoices over the
--                            service period they cover (mrr_changes_invoices.sql)
-- Each branch also tests the source where it reads its tables, so the branch
-- not chosen reads no rows. Everything built on MRR (mrr_daily, the movements,
-- the drill-downs, the Revenue page's tables) reads this one relation.
--
-- Currencies: the branches work in the customer's own currency (Stripe bills a
-- customer in one currency: the currency of its latest subscription, else of
-- its latest invoice). delta_original keeps that amount (per month, in units
-- of `currency`, lower case); delta is it in USD at the fx_rates rate of the
-- day of the change (movements add these up). mrr_daily values the level of
-- each day at that day's rate instead, from delta_original. A needed rate
-- that is missing stops the query (FX_RATE_MISSING), never a silent zero.
SELECT
	c.customer_id AS customer_id,
	c.plan AS plan,
	c.day AS day,
	if(cur.currency = 'usd', c.delta,
		toDecimal128(c.delta * 100 / greatest(fx.minor_per_unit, 1) * fx.usd_per_unit, 9))
		+ throwIf(cur.currency != 'usd' AND fx.has_rate = 0, 'FX_RATE_MISSING: a rate needed to convert Stripe amounts to USD is not in fx_rates') AS delta,
	cur.currency AS currency,
	c.delta AS delta_original
FROM (
	SELECT customer_id, plan, day, delta FROM ({{mrr_changes_subscriptions}}) WHERE {mrr_source:String} = 'subscriptions'
	UNION ALL
	SELECT customer_id, plan, day, delta FROM ({{mrr_changes_invoices}}) WHERE {mrr_source:String} = 'invoices'
) AS c
LEFT JOIN ({{customer_currency}}) AS cur ON cur.customer_id = c.customer_id
LEFT JOIN (SELECT currency, day, usd_per_unit, minor_per_unit, toUInt8(1) AS has_rate FROM fx_rates_current) AS fx
	ON fx.currency = cur.currency AND fx.day = c.day
