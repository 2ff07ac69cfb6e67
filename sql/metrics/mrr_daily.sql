-- MRR per customer, plan and day, as of the end of the day (USD per month,
-- Decimal with 9 decimals so that sums and differences are exact).
-- A subscription line counts on day D when it covers the end of D:
-- days [toDate(valid_from), toDate(valid_to)). Value and coverage: stripe_mrr_lines
-- (sql/migrations/0021_stripe_views.sql): recurring price × quantity normalized
-- to a month (year / 12, week × 52 / 12), net of the discount applied to the
-- line, proration credits negative, cut at the subscription's ended_at.
-- Rows for days [{from:Date} - 1, {to:Date}): the day before the period is the
-- opening level of MRR movements.
SELECT m.day AS day, m.customer_id AS customer_id, if(cu.user_id != '', cu.user_id, concat('stripe:', m.customer_id)) AS user_id, m.plan AS plan, m.mrr_usd AS mrr_usd
FROM (
	SELECT d AS day, customer_id, plan, sum(mrr_usd) AS mrr_usd
	FROM (
		SELECT customer_id, plan, mrr_usd,
			greatest(toDate(valid_from), {from:Date} - 1) AS first_day,
			least(toDate(valid_to), {to:Date}) AS end_day
		FROM stripe_mrr_lines
		WHERE valid_to >= toDateTime64({from:Date} - 1, 3, 'UTC') AND valid_from < toDateTime64({to:Date}, 3, 'UTC')
	)
	ARRAY JOIN arrayMap(i -> first_day + i, range(toUInt32(if(end_day > first_day, dateDiff('day', first_day, end_day), 0)))) AS d
	GROUP BY day, customer_id, plan
	HAVING mrr_usd != 0
) AS m
LEFT JOIN stripe_customer_users AS cu ON cu.customer_id = m.customer_id
