-- Each customer's MRR on each day of [{from:Date}, {to:Date}) against the day
-- before, and the movement that change is: the one classification behind
-- mrr_movements and the Revenue page's upgrades/churns table.
--   new           no MRR yesterday, and today is the customer's first day with MRR
--   reactivation  no MRR yesterday, but MRR on some earlier day
--   churn         MRR yesterday, none today
--   expansion     more MRR than yesterday (or the same total on other plans)
--   contraction   less MRR than yesterday, but not none
-- Rows for every customer-day with MRR today or yesterday (delta may be 0).
-- prev_plan / cur_plan: the plan carrying most of the customer's MRR ('' for none).
WITH cp AS (SELECT day, day + 1 AS day_after, customer_id, user_id, plan, mrr_usd FROM ({{mrr_daily}}))
SELECT
	t.day AS day,
	t.customer_id AS customer_id,
	t.user_id AS user_id,
	t.prev AS prev_mrr,
	t.cur AS cur_mrr,
	t.cur - t.prev AS delta,
	t.prev_plan AS prev_plan,
	t.cur_plan AS cur_plan,
	multiIf(t.prev = 0 AND f.first_day >= t.day, 'new', t.prev = 0, 'reactivation', t.cur = 0, 'churn', t.cur >= t.prev, 'expansion', 'contraction') AS movement
FROM (
	SELECT day, customer_id, any(user_id) AS user_id, sum(c_mrr) AS cur, sum(p_mrr) AS prev,
		argMaxIf(plan, c_mrr, c_mrr > 0) AS cur_plan, argMaxIf(plan, p_mrr, p_mrr > 0) AS prev_plan
	FROM (
		SELECT day, customer_id, user_id, plan, mrr_usd AS c_mrr, toDecimal128(0, 9) AS p_mrr FROM cp WHERE day >= {from:Date}
		UNION ALL
		SELECT day_after AS day, customer_id, user_id, plan, toDecimal128(0, 9) AS c_mrr, mrr_usd AS p_mrr FROM cp WHERE day_after < {to:Date}
	)
	GROUP BY day, customer_id
) AS t
LEFT JOIN (
	SELECT customer_id, min(toDate(valid_from)) AS first_day FROM stripe_mrr_lines
	WHERE mrr_usd > 0 AND toDate(valid_to) > toDate(valid_from) GROUP BY customer_id
) AS f ON f.customer_id = t.customer_id
