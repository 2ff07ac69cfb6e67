-- Each job's GPU-hours and allocated cost summed over its days in the period
-- (job_cost.sql, split at the period edges), with the job's dimensions: one row
-- a job. Read `{{from_first_start:job_cost_by_job}}` for the whole cost of jobs
-- that end in the period (job_output_cost.sql).
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
