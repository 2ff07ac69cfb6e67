-- Rows behind dead compute: jobs that failed, were cancelled or moderated, or
-- whose video got no human impression within 7 days, with their GPU-hours and
-- allocated cost in the period. Σ gpu_hours = dead compute.
SELECT
	job_id,
	any(dead_reason) AS dead_reason,
	any(user_id) AS user_id,
	any(plan) AS plan,
	any(purpose) AS purpose,
	any(model) AS model,
	any(resolution) AS resolution,
	any(status) AS status,
	any(cluster) AS cluster,
	any(gpu_type) AS gpu_type,
	any(video_id) AS video_id,
	min(started_at) AS started_at,
	sum(gpu_hours) AS gpu_hours,
	sum(cost_usd) AS cost_usd
FROM (
	SELECT * FROM ({{dead_compute_jobs}})
	WHERE day >= {from:Date} AND day < {to:Date} AND dead_reason != 'live'
)
GROUP BY job_id
ORDER BY gpu_hours DESC, job_id
