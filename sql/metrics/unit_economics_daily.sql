-- Base rows for unit economics, per day and plan: revenue (revenue_daily),
-- allocated compute cost and GPU-hours (job_cost: every job charged at its
-- cluster-day rate, idle cluster-days without jobs as '(idle, no jobs)'), and
-- user-days (plan_user_days). Σ cost over all rows = compute spend, so the
-- overall margin is (revenue − spend) / utilized GPU-hours; per plan it is
-- (revenue from the plan's users − compute allocated to their jobs) / their
-- jobs' GPU-hours. Feed pre-generation, internal and eval jobs are plans of
-- their own (their purpose). Cost is the idle-sharing policy's charge
-- (job_cost_policy.policy_cost_usd; '(idle)' is the idle line under `separate`).
SELECT day, plan, user_id, revenue_usd AS revenue, if(source = 'subscription', revenue_usd, 0) AS subscription,
	if(source = 'ads', revenue_usd, 0) AS ads, 0 AS cost, 0 AS gpu_h, 0 AS user_day
FROM ({{revenue_daily}})
UNION ALL
SELECT day, plan, user_id, 0, 0, 0, policy_cost_usd, gpu_hours, 0
FROM ({{job_cost_policy}})
UNION ALL
SELECT day, plan, user_id, 0, 0, 0, 0, 0, 1
FROM ({{plan_user_days}})
