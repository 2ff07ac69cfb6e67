-- Rows behind revenue and ARPU: per user and plan in the period, subscription
-- revenue, allocated ad revenue, user-days and allocated compute cost.
-- Σ revenue_usd = revenue; user_id '' holds unallocated ad revenue and
-- system (feed pre-generation, internal, eval) compute.
SELECT
	user_id,
	plan,
	sum(subscription) AS subscription_usd,
	sum(ads) AS ads_usd,
	sum(revenue) AS revenue_usd,
	sum(cost) AS compute_cost_usd,
	sum(gpu_h) AS gpu_hours,
	sum(user_day) AS user_days
FROM ({{unit_economics_daily}})
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY user_id, plan
ORDER BY revenue_usd DESC, compute_cost_usd DESC, user_id, plan
