-- Base rows: revenue per day, user and plan, by source.
--   subscription: recognized Stripe revenue (subscription_revenue_daily: each
--     paid invoice line spread evenly over its service period, net of discounts,
--     excluding tax; refunds and credit notes subtracted on their day), with the
--     plan the line was for;
--   ads: the ad revenue file allocated to users pro rata to their human
--     impressions (ad_revenue_users); the plan is the user's plan at the start
--     of that UTC day (user_plan_intervals; none = 'free'); unallocated ad
--     revenue keeps plan '(unallocated)'.
SELECT day, toString(user_id) AS user_id, toString(plan) AS plan, 'subscription' AS source, toFloat64(amount_usd) AS revenue_usd
FROM ({{subscription_revenue_daily}})
WHERE day >= {from:Date} AND day < {to:Date}
UNION ALL
SELECT
	a.day AS day,
	a.user_id AS user_id,
	if(a.user_id = '', '(unallocated)', if(p.valid_to > a.day_start AND p.plan != '', toString(p.plan), 'free')) AS plan,
	'ads' AS source,
	a.revenue_usd AS revenue_usd
FROM (SELECT *, toDateTime64(day, 3, 'UTC') AS day_start FROM ({{ad_revenue_users}})) AS a
ASOF LEFT JOIN (
	SELECT user_id, toString(plan) AS plan, valid_from, valid_to FROM user_plan_intervals
) AS p ON a.user_id = p.user_id AND a.day_start >= p.valid_from
