-- Rows behind unit-economics costs: every job's allocated cost in the period
-- (its cluster-day rate × its GPU-hours, after the what-if knobs), plus the
-- '(idle, no jobs)' cluster-days, so Σ cost_usd = compute spend. cost_usd is
-- the idle-sharing policy's charge (job_cost_policy.policy_cost_usd; under `separate`
-- the '(idle)' rows carry each cluster-day's idle rest); by_use_cost_usd is the
-- by_use charge beside it, for comparison.
SELECT
	job_id,
	any(user_id) AS user_id,
	any(plan) AS plan,
	any(purpose) AS purpose,
	any(status) AS status,
	cluster,
	any(gpu_type) AS gpu_type,
	min(day) AS first_day,
	sum(gpu_hours) AS gpu_hours,
	sum(policy_cost_usd) AS cost_usd,
	sum(by_use_usd) AS by_use_cost_usd
FROM (SELECT * EXCEPT (cost_usd), cost_usd AS by_use_usd FROM ({{job_cost_policy}}))
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY job_id, cluster, if(job_id = '', day, toDate(0))
ORDER BY cost_usd DESC, job_id
