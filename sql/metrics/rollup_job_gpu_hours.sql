-- Rollup source for utilized GPU-hours (job_gpu_hours.sql) when the request needs
-- only job dimensions: GPU time per day from jobs_daily (migration 0051), split
-- over UTC days exactly as job_gpu_hours.sql splits each job.
SELECT
	day,
	toString(cluster) AS cluster,
	toString(gpu_type) AS gpu_type,
	toString(purpose) AS purpose,
	toString(model) AS model,
	toString(resolution) AS resolution,
	toString(status) AS status,
	sum(gpu_ms) / 3600000 AS gpu_hours
FROM jobs_daily
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY day, cluster, gpu_type, purpose, model, resolution, status
