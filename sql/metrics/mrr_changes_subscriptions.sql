-- MRR changes per customer, plan and day from the subscriptions' states
-- (mrr_source=subscriptions, the default: how Stripe counts MRR), for every day
-- before {to:Date}. A customer's MRR on day D is the sum of its changes on days <= D.
--
-- Each subscription's versions (stripe_subscription_versions, migration 0060)
-- hold from the second they took effect to the next one; the earliest known
-- state is taken to hold from the subscription's start_date (a backfill only
-- knows the state of today). Within a state, MRR can still change at the times
-- the state names: trial_end, ended_at, cancel_at, a discount's start and end,
-- and (churn policy "request") the cancellation request. At each of those
-- moments the state's value is:
--   counted   active or past_due, not paused (pause_collection), past start_date
--             and trial_end, before ended_at / cancel_at; trialing, unpaid,
--             incomplete and paused count 0 (canceled: from ended_at; a canceled
--             state stretched back before its ended_at counts as it was).
--             With {mrr_churn_at_request:UInt8} = 1 a subscription also counts 0
--             from its cancellation request (canceled_at, else the moment
--             cancel_at_period_end / cancel_at appeared).
--   value     Σ items unit_amount × quantity normalized to a month (stripe_price_plans:
--             year / 12, week × 52 / 12, day × 365 / 12; a price without a unit
--             amount: its latest invoice line's net), less the discounts in force
--             whose coupon duration is in {mrr_discount_durations:Array(String)}
--             (percentages one after the other, then amounts off per billing
--             interval, normalized the same way; never below 0), split across the
--             plans of the items in proportion to their undiscounted value.
-- MRR at the end of day D is the value at the last such moment on or before D;
-- a change is the difference with the day before, per plan.
WITH
	toDateTime64('2299-12-31 00:00:00', 3, 'UTC') AS never,
	toDateTime64({to:Date}, 3, 'UTC') AS horizon,
	versions AS (
		SELECT
			subscription_id, customer_id, status, version, start_date, trial_end, cancel_at, canceled_at, ended_at, paused,
			price_ids, quantities, discount_ids,
			if(row_number() OVER (PARTITION BY subscription_id ORDER BY version) = 1, least(effective_at, start_date), effective_at) AS eff_from,
			leadInFrame(effective_at, 1, never) OVER (PARTITION BY subscription_id ORDER BY version ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS eff_to,
			if({mrr_churn_at_request:UInt8} = 1 AND (cancel_at_period_end OR cancel_at IS NOT NULL OR status = 'canceled'),
				coalesce(canceled_at, effective_at), NULL) AS cancel_request_at
		FROM stripe_subscription_versions FINAL
		-- Constant for the query: when invoices were asked for, no part of the table is read.
		WHERE {mrr_source:String} = 'subscriptions'
	),
	-- The discounts each version lists that the policy counts: (from, to, percent_off, amount_off in cents).
	version_discounts AS (
		SELECT v.subscription_id AS subscription_id, v.version AS version,
			groupArray((d.starts_at, d.ends_at, c.percent_off, c.amount_off)) AS ds
		FROM (SELECT subscription_id, version, arrayJoin(discount_ids) AS discount_id FROM versions) AS v
		INNER JOIN (SELECT discount_id, coupon_id, starts_at, ifNull(ends_at, never) AS ends_at FROM stripe_discounts FINAL) AS d ON d.discount_id = v.discount_id
		INNER JOIN (SELECT coupon_id, percent_off, amount_off FROM stripe_coupons FINAL WHERE duration IN {mrr_discount_durations:Array(String)}) AS c
			ON c.coupon_id = d.coupon_id
		GROUP BY subscription_id, version
	),
	-- Prices without a unit amount (tiered, volume, metered) have no list price to
	-- multiply: they count the net of the subscription's latest recurring invoice
	-- line for that price (per billing interval, normalized), from the line's start.
	unpriced_lines AS (
		SELECT l.subscription_id AS subscription_id, l.price_id AS price_id, l.period_start AS valid_from,
			toDecimal128(l.net, 9) * pp.month_num / (pp.month_den * 100) AS mrr_usd
		FROM stripe_lines_current AS l
		INNER JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
		WHERE pp.unit_amount = 0 AND pp.recurring_interval != '' AND l.invoice_status IN ('paid', 'open') AND NOT l.proration AND l.subscription_id != ''
	),
	unpriced_starts AS (SELECT subscription_id, groupArray(valid_from) AS starts FROM unpriced_lines GROUP BY subscription_id),
	moments AS (
		SELECT v.subscription_id AS subscription_id, v.customer_id AS customer_id, v.price_ids AS price_ids, v.quantities AS quantities, vd.ds AS ds,
			at,
			NOT v.paused
				AND at >= v.start_date
				AND (v.trial_end IS NULL OR at >= v.trial_end)
				AND (v.status IN ('active', 'past_due') OR (v.status = 'canceled' AND v.ended_at IS NOT NULL AND at < v.ended_at))
				AND (v.ended_at IS NULL OR at < v.ended_at)
				AND (v.cancel_at IS NULL OR at < v.cancel_at)
				AND (v.cancel_request_at IS NULL OR at < v.cancel_request_at) AS counted
		FROM versions AS v
		LEFT JOIN version_discounts AS vd ON vd.subscription_id = v.subscription_id AND vd.version = v.version
		LEFT JOIN unpriced_starts AS us ON us.subscription_id = v.subscription_id
		ARRAY JOIN arrayDistinct(arrayFilter(x -> x >= v.eff_from AND x < v.eff_to AND x < horizon,
			arrayConcat([v.eff_from, v.start_date], us.starts,
				arrayMap(x -> assumeNotNull(x), arrayFilter(x -> x IS NOT NULL, [v.trial_end, v.ended_at, v.cancel_at, v.cancel_request_at])),
				arrayMap(d -> d.1, vd.ds), arrayMap(d -> d.2, vd.ds)))) AS at
	),
	-- Undiscounted monthly value per plan at each moment (0 when not counted).
	items AS (
		SELECT subscription_id, customer_id, ds, at, counted, item.1 AS price_id, item.2 AS quantity
		FROM moments
		ARRAY JOIN arrayZip(price_ids, quantities) AS item
	),
	plan_values AS (
		SELECT i.subscription_id AS subscription_id, any(i.customer_id) AS customer_id, i.at AS at, pp.plan AS plan,
			any(i.ds) AS ds, min(pp.month_num) AS month_num, max(pp.month_den) AS month_den,
			sum(multiIf(NOT i.counted, toDecimal128(0, 9),
				pp.unit_amount > 0, toDecimal128(pp.unit_amount * i.quantity, 9) * pp.month_num / (pp.month_den * 100),
				ul.mrr_usd)) AS gross
		FROM items AS i
		INNER JOIN stripe_price_plans AS pp ON pp.price_id = i.price_id
		ASOF LEFT JOIN unpriced_lines AS ul ON ul.subscription_id = i.subscription_id AND ul.price_id = i.price_id AND ul.valid_from <= i.at
		WHERE pp.recurring_interval != ''
		GROUP BY subscription_id, at, plan
	),
	subscription_values AS (
		SELECT subscription_id, customer_id, at, plans, grosses, total,
			arrayFilter(d -> d.1 <= at AND at < d.2, ds) AS in_force,
			greatest(toDecimal128(0, 9),
				arrayFold((acc, d) -> toDecimal128(acc * (100 - d.3) / 100, 9), in_force, total)
				- toDecimal128(arraySum(arrayMap(d -> d.4, in_force)), 9) * month_num / (month_den * 100)) AS net
		FROM (
			SELECT subscription_id, any(customer_id) AS customer_id, at, any(ds) AS ds,
				groupArray(plan) AS plans, groupArray(gross) AS grosses, sum(gross) AS total,
				min(month_num) AS month_num, max(month_den) AS month_den
			FROM plan_values
			GROUP BY subscription_id, at
		)
	),
	-- The state at the end of each day a moment falls on: the day's last moment.
	day_values AS (
		SELECT subscription_id, any(customer_id) AS customer_id, toDate(at) AS day,
			argMax(plans, at) AS plans,
			argMax(arrayMap(g -> if(g = total, net, toDecimal128(g * net / total, 9)), grosses), at) AS vals
		FROM subscription_values
		GROUP BY subscription_id, day
	)
SELECT customer_id, pv.1 AS plan, day, sum(pv.2) AS delta
FROM (
	SELECT customer_id, day,
		arrayConcat(arrayZip(plans, vals), arrayZip(prev_plans, arrayMap(v -> -v, prev_vals))) AS pvs
	FROM (
		SELECT customer_id, day, plans, vals,
			lagInFrame(plans) OVER w AS prev_plans,
			lagInFrame(vals) OVER w AS prev_vals
		FROM day_values
		WINDOW w AS (PARTITION BY subscription_id ORDER BY day ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
	)
)
ARRAY JOIN pvs AS pv
WHERE day < {to:Date}
GROUP BY customer_id, plan, day
HAVING delta != 0
