-- Rows behind job metrics (utilized GPU-hours, attention-to-compute): one row
-- per generation job that ran in the period, with the GPU-hours it ran inside
-- the period (split at the period edges like the metric) and the cost it was
-- allocated (its cluster-day rate × those hours). Σ gpu_hours = utilized GPU-hours.
SELECT
	job_id,
	any(request_id) AS request_id,
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
	sum(gpu_hours_actual) AS gpu_hours,
	sum(cost_usd) AS cost_usd
FROM ({{job_cost}})
WHERE day >= {from:Date} AND day < {to:Date} AND job_id != ''
GROUP BY job_id
ORDER BY gpu_hours DESC, job_id
