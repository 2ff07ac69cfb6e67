-- Each customer's MRR change on each day of [{from:Date}, {to:Date}) on which
-- it changed, and the movement that change is: the one classification behind
-- mrr_movements, its drill-down and the Revenue page's upgrades/churns table.
--   new           no MRR the day before, and this is the customer's first day with MRR
--   reactivation  no MRR the day before, but MRR on some earlier day
--   churn         MRR the day before, none now
--   expansion     more MRR than the day before (or the same total on other plans)
--   contraction   less MRR than the day before, but not none
-- MRR is as of the end of the day (mrr_daily). prev_plan / cur_plan: among the
-- plans that changed that day, the one carrying most MRR before / after ('' for none).
SELECT
	c.day AS day,
	c.customer_id AS customer_id,
	if(cu.user_id != '', cu.user_id, concat('stripe:', c.customer_id)) AS user_id,
	c.level_after - c.cdelta AS prev_mrr,
	c.level_after AS cur_mrr,
	c.cdelta AS delta,
	if(c.top_before > 0, c.plan_before, '') AS prev_plan,
	if(c.top_after > 0, c.plan_after, '') AS cur_plan,
	multiIf(c.level_after - c.cdelta = 0 AND c.first_day = c.day, 'new', c.level_after - c.cdelta = 0, 'reactivation',
		c.level_after = 0, 'churn', c.cdelta >= 0, 'expansion', 'contraction') AS movement
FROM (
	SELECT customer_id, day, cdelta, plan_after, top_after, plan_before, top_before,
		sum(cdelta) OVER (PARTITION BY customer_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS level_after,
		min(day) OVER (PARTITION BY customer_id) AS first_day
	FROM (
		SELECT customer_id, day, sum(delta) AS cdelta,
			argMax(plan, p_after) AS plan_after, max(p_after) AS top_after,
			argMax(plan, p_after - delta) AS plan_before, max(p_after - delta) AS top_before
		FROM (
			SELECT customer_id, plan, day, delta,
				sum(delta) OVER (PARTITION BY customer_id, plan ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS p_after
			FROM ({{mrr_plan_changes}})
		)
		GROUP BY customer_id, day
	)
) AS c
LEFT JOIN stripe_customer_users AS cu ON cu.customer_id = c.customer_id
WHERE c.day >= {from:Date}
