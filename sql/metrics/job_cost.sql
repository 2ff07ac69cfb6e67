-- Base rows: each job's GPU time per day with its allocated cost: hours × the
-- rate of its cluster and day, so allocations add up to spend.
--   rate = cluster-day spend / cluster-day utilized GPU-hours (all jobs, any status)
-- Cluster-days with spend but no jobs at all cannot be allocated; they appear as
-- one row with plan / purpose '(idle, no jobs)' and zero hours, so totals over
-- these rows still equal compute spend.
-- What-if (1 / 0 = actuals):
--   free_quota_factor scales free-plan jobs' hours (quota_factor) and the
--   cluster-day's spend by utilized_after / utilized_before (capacity flexes);
--   utilization_target scales spend by utilization / target where below it.
-- gpu_hours is after the free-quota what-if (equal to actual hours by default).
-- The cluster-day sums are window functions over the job rows, so the plan
-- lookup (job_plan_hours) runs once per query.
WITH fleet AS (
	SELECT day, cluster, sum(gpu_hours) AS provisioned_hours, sum(spend_usd) AS spend_usd
	FROM ({{fleet_gpu_hours}})
	GROUP BY day, cluster
)
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
	f.spend_usd
		* if(j.cd_utilized > 0, j.cd_whatif / j.cd_utilized, 1)
		* if({utilization_target:Float64} > 0 AND f.provisioned_hours > 0 AND j.cd_utilized / f.provisioned_hours < {utilization_target:Float64},
			(j.cd_utilized / f.provisioned_hours) / {utilization_target:Float64}, 1) AS cluster_day_spend_usd,
	if(j.cd_whatif > 0, gpu_hours * cluster_day_spend_usd / j.cd_whatif, 0) AS cost_usd
FROM (
	SELECT *,
		sum(gpu_hours) OVER (PARTITION BY day, cluster) AS cd_utilized,
		sum(gpu_hours * quota_factor) OVER (PARTITION BY day, cluster) AS cd_whatif
	FROM ({{job_plan_hours}})
) AS j
LEFT JOIN fleet AS f ON f.day = j.day AND f.cluster = j.cluster
UNION ALL
SELECT
	day, cluster, '' AS gpu_type, '(idle, no jobs)' AS purpose, '' AS model, '' AS resolution, '' AS status,
	'' AS job_id, '' AS request_id, '' AS user_id, '' AS video_id, toDateTime64(day, 3, 'UTC') AS started_at,
	'(idle, no jobs)' AS plan, 0 AS gpu_hours_actual, 0 AS gpu_hours, spend_usd AS cluster_day_spend_usd, spend_usd AS cost_usd
FROM fleet
WHERE spend_usd != 0
	AND (day, cluster) NOT IN (SELECT day, cluster FROM ({{rollup:job_gpu_hours}}) WHERE gpu_hours > 0)
