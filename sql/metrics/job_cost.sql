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
-- Idle-sharing policy ({idle_policy:String}: by_use | separate | even, a zod
-- enum of the request): cost_usd is always by_use (the definition of job cost:
-- compute and dead-compute figures use it); policy_cost_usd is what the policy
-- charges the job, and the unit-economics rows use it:
--   by_use:   = cost_usd (idle spread over the cluster-day's jobs by GPU-hours);
--   separate: GPU-hours × provisioned rate = cluster-day spend / max(provisioned,
--             utilized) hours (above 100 % utilization there is no idle to
--             leave out); the cluster-day's idle rest is a row of its own,
--             plan / purpose '(idle)';
--   even:     the separate charge, plus the idle rest split in equal shares
--             among the plans (purposes for system jobs) that ran jobs on the
--             cluster-day, each share spread over that plan's jobs by GPU-hours.
-- Σ policy_cost_usd = Σ cost_usd = spend under every policy.
WITH fleet AS (
	SELECT day, cluster, sum(gpu_hours) AS provisioned_hours, sum(spend_usd) AS spend_usd
	FROM ({{fleet_gpu_hours}})
	GROUP BY day, cluster
),
jobs AS (
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
	if(j.cd_whatif > 0, gpu_hours * cluster_day_spend_usd / j.cd_whatif, 0) AS cost_usd,
	if(j.cd_whatif > 0, least(f.spend_usd / nullIf(f.provisioned_hours, 0), cluster_day_spend_usd / j.cd_whatif), 0) AS provisioned_rate,
	greatest(0, cluster_day_spend_usd - j.cd_whatif * provisioned_rate) AS cluster_day_idle_usd,
	if(j.plan_whatif > 0, cluster_day_idle_usd / j.cd_plans * gpu_hours / j.plan_whatif, 0) AS even_idle_share_usd,
	multiIf({idle_policy:String} = 'separate', gpu_hours * provisioned_rate,
		{idle_policy:String} = 'even', gpu_hours * provisioned_rate + even_idle_share_usd,
		cost_usd) AS policy_cost_usd
FROM (
	SELECT *,
		sum(gpu_hours) OVER (PARTITION BY day, cluster) AS cd_utilized,
		sum(gpu_hours * quota_factor) OVER (PARTITION BY day, cluster) AS cd_whatif,
		sum(gpu_hours * quota_factor) OVER (PARTITION BY day, cluster, plan) AS plan_whatif,
		uniqExactIf(plan, gpu_hours * quota_factor > 0) OVER (PARTITION BY day, cluster) AS cd_plans
	FROM ({{job_plan_hours}})
) AS j
LEFT JOIN fleet AS f ON f.day = j.day AND f.cluster = j.cluster
)
SELECT * FROM jobs
UNION ALL
SELECT
	day, cluster, '' AS gpu_type, '(idle, no jobs)' AS purpose, '' AS model, '' AS resolution, '' AS status,
	'' AS job_id, '' AS request_id, '' AS user_id, '' AS video_id, toDateTime64(day, 3, 'UTC') AS started_at,
	'(idle, no jobs)' AS plan, 0 AS gpu_hours_actual, 0 AS gpu_hours, spend_usd AS cluster_day_spend_usd, spend_usd AS cost_usd,
	0 AS provisioned_rate, spend_usd AS cluster_day_idle_usd, 0 AS even_idle_share_usd, spend_usd AS policy_cost_usd
FROM fleet
WHERE spend_usd != 0
	AND (day, cluster) NOT IN (SELECT day, cluster FROM ({{rollup:job_gpu_hours}}) WHERE gpu_hours > 0)
UNION ALL
-- separate: each cluster-day's idle rest (cluster-days with jobs) as its own line, charged to no plan.
SELECT
	day, cluster, '' AS gpu_type, '(idle)' AS purpose, '' AS model, '' AS resolution, '' AS status,
	'' AS job_id, '' AS request_id, '' AS user_id, '' AS video_id, toDateTime64(day, 3, 'UTC') AS started_at,
	'(idle)' AS plan, 0 AS gpu_hours_actual, 0 AS gpu_hours, cd_spend AS cluster_day_spend_usd, 0 AS cost_usd,
	0 AS provisioned_rate, cd_idle AS cluster_day_idle_usd, 0 AS even_idle_share_usd, cd_idle AS policy_cost_usd
FROM (
	SELECT day, cluster, any(cluster_day_spend_usd) AS cd_spend, any(cluster_day_idle_usd) AS cd_idle
	FROM jobs
	WHERE {idle_policy:String} = 'separate'
	GROUP BY day, cluster
)
WHERE cd_idle != 0
