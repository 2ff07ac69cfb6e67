-- Top requesters by GPU-hours in the period: user jobs grouped by requester,
-- with their plan at the time (the latest if it changed), jobs, GPU-hours,
-- allocated cost and the share of their GPU-hours that was dead (failed,
-- cancelled or moderated). The filters marker below is replaced by the page's
-- dimension filters (AND cluster IN f_cluster …), values bound as parameters.
SELECT
	user_id,
	argMax(plan, started_at) AS plan,
	uniqExact(job_id) AS jobs,
	sum(gpu_hours_actual) AS gpu_hours,
	sum(cost_usd) AS cost_usd,
	sumIf(gpu_hours_actual, status IN ('failed', 'cancelled', 'moderated')) / nullIf(sum(gpu_hours_actual), 0) AS failed_share
FROM (
	SELECT * FROM ({{job_cost}})
	WHERE day >= {from:Date} AND day < {to:Date} AND purpose = 'user' AND job_id != '' /*filters*/
)
GROUP BY user_id
ORDER BY gpu_hours DESC, user_id
