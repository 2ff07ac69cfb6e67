-- MRR per customer, plan and day, as of the end of the day (USD per month,
-- Decimal with 9 decimals so that sums and differences are exact), from the
-- source and policies of the request (mrr_plan_changes.sql): each level is the
-- running sum of its changes and holds until the next change.
-- Currencies: the level is kept in the customer's currency (mrr_original,
-- `currency` upper case) and valued at each day's fx_rates rate (mrr_usd);
-- a missing rate stops the query (FX_RATE_MISSING), never a silent zero.
-- Rows for days [{from:Date} - 1, {to:Date}): the day before the period is the
-- opening level of MRR movements.
SELECT m.day AS day, m.customer_id AS customer_id, if(cu.user_id != '', cu.user_id, concat('stripe:', m.customer_id)) AS user_id, m.plan AS plan,
	if(m.currency = 'usd', m.level, toDecimal128(m.level * 100 / greatest(fx.minor_per_unit, 1) * fx.usd_per_unit, 9))
		+ throwIf(m.currency != 'usd' AND fx.has_rate = 0, 'FX_RATE_MISSING: a rate needed to convert Stripe amounts to USD is not in fx_rates') AS mrr_usd,
	upper(m.currency) AS currency,
	m.level AS mrr_original
FROM (
	SELECT d AS day, customer_id, plan, currency, level
	FROM (
		SELECT customer_id, plan, currency, level,
			greatest(day, {from:Date} - 1) AS first_day,
			least(next_day, {to:Date}) AS end_day
		FROM (
			SELECT customer_id, plan, currency, day,
				sum(delta_original) OVER (PARTITION BY customer_id, plan ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS level,
				leadInFrame(day, 1, {to:Date}) OVER (PARTITION BY customer_id, plan ORDER BY day ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_day
			FROM ({{mrr_plan_changes}})
		)
		WHERE level != 0 AND next_day >= {from:Date}
	)
	ARRAY JOIN arrayMap(i -> first_day + i, range(toUInt32(if(end_day > first_day, dateDiff('day', first_day, end_day), 0)))) AS d
) AS m
LEFT JOIN stripe_customer_users AS cu ON cu.customer_id = m.customer_id
LEFT JOIN (SELECT currency, day, usd_per_unit, minor_per_unit, toUInt8(1) AS has_rate FROM fx_rates_current) AS fx
	ON fx.currency = m.currency AND fx.day = m.day
