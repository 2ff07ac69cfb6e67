-- Base rows: each job's GPU time per day with its allocated cost: hours × the
-- rate of its cluster and day (cluster_day_cost), so allocations add up to
-- spend. Cluster-days with spend but no jobs at all cannot be allocated; they
-- appear as one row with plan / purpose '(idle, no jobs)' and zero hours, so
-- totals over these rows still equal compute spend.
-- gpu_hours is after the free-quota what-if (equal to actual hours by default).
SELECT
	j.day AS day,
	j.cluster AS cluster,
	j.gpu_type AS gpu_type,
	j.purpose AS purpose,
	j.model AS model,
	j.resolution AS resolution,
	j.status AS status,
	j.job_id AS job_id,
	j.request_id AS request_id,
	j.user_id AS user_id,
	j.video_id AS video_id,
	j.started_at AS started_at,
	j.plan AS plan,
	j.gpu_hours AS gpu_hours_actual,
	j.gpu_hours * j.quota_factor AS gpu_hours,
	gpu_hours * ifNull(c.rate_usd_per_gpu_hour, 0) AS cost_usd
FROM ({{job_plan_hours}}) AS j
LEFT JOIN ({{cluster_day_cost}}) AS c ON c.day = j.day AND c.cluster = j.cluster
UNION ALL
SELECT
	day, cluster, '' AS gpu_type, '(idle, no jobs)' AS purpose, '' AS model, '' AS resolution, '' AS status,
	'' AS job_id, '' AS request_id, '' AS user_id, '' AS video_id, toDateTime64(day, 3, 'UTC') AS started_at,
	'(idle, no jobs)' AS plan, 0 AS gpu_hours_actual, 0 AS gpu_hours, spend_usd AS cost_usd
FROM ({{cluster_day_cost}})
WHERE utilized_hours = 0 AND spend_usd != 0
