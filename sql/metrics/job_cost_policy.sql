-- Base rows: job_cost's rows with what the idle-sharing policy charges each
-- one (policy_cost_usd), for the figures that follow the policy (unit
-- economics per plan: margin, gross margin, cost per user, free-tier subsidy).
-- The policy is {idle_policy:String}, a zod enum of the request
-- (by_use | separate | even); cost_usd stays the by_use charge.
--   by_use:   = cost_usd (idle spread over the cluster-day's jobs by GPU-hours);
--   separate: GPU-hours × provisioned rate = cluster-day spend / max(provisioned,
--             utilized) hours (above 100 % utilization there is no idle to
--             leave out); each cluster-day's idle rest is a row of its own,
--             plan / purpose '(idle)', charged to no plan;
--   even:     the separate charge, plus the idle rest split in equal shares
--             among the plans (purposes for system jobs) that ran jobs on the
--             cluster-day, each share spread over that plan's jobs by GPU-hours.
-- Cluster-days with spend and no jobs stay '(idle, no jobs)' under every
-- policy. Σ policy_cost_usd = Σ cost_usd = compute spend whatever the policy.
-- GPU-hours and spend are job_cost's (after the what-if knobs); the provisioned
-- rate is capped at the cluster-day's by_use rate so a what-if that shrinks
-- capacity never charges jobs more than the cluster-day costs.
WITH
fleet_day AS (
	SELECT day, cluster, sum(gpu_hours) AS provisioned_hours, sum(spend_usd) AS spend_usd
	FROM ({{fleet_gpu_hours}})
	GROUP BY day, cluster
),
priced AS (
	SELECT
		j.*,
		if(j.job_id != '' AND j.cd_hours > 0 AND f.provisioned_hours > 0,
			least(f.spend_usd / f.provisioned_hours, j.cluster_day_spend_usd / j.cd_hours), 0) AS provisioned_rate,
		if(j.job_id != '', greatest(0, j.cluster_day_spend_usd - j.cd_hours * provisioned_rate), 0) AS cluster_day_idle_usd,
		if(j.plan_hours > 0, cluster_day_idle_usd / j.cd_plans * j.gpu_hours / j.plan_hours, 0) AS even_idle_share_usd
	FROM (
		SELECT *,
			sumIf(gpu_hours, job_id != '') OVER (PARTITION BY day, cluster) AS cd_hours,
			sumIf(gpu_hours, job_id != '') OVER (PARTITION BY day, cluster, plan) AS plan_hours,
			uniqExactIf(plan, job_id != '' AND gpu_hours > 0) OVER (PARTITION BY day, cluster) AS cd_plans
		FROM ({{job_cost}})
	) AS j
	LEFT JOIN fleet_day AS f ON f.day = j.day AND f.cluster = j.cluster
)
SELECT
	day, cluster, gpu_type, purpose, model, resolution, status, job_id, request_id, user_id, video_id, started_at, plan,
	gpu_hours_actual, gpu_hours, cluster_day_spend_usd, cost_usd,
	multiIf(job_id = '', cost_usd,
		{idle_policy:String} = 'separate', gpu_hours * provisioned_rate,
		{idle_policy:String} = 'even', gpu_hours * provisioned_rate + even_idle_share_usd,
		cost_usd) AS policy_cost_usd
FROM priced
UNION ALL
-- separate: each cluster-day's idle rest (cluster-days with jobs) as its own line.
SELECT
	day, cluster, '' AS gpu_type, '(idle)' AS purpose, '' AS model, '' AS resolution, '' AS status,
	'' AS job_id, '' AS request_id, '' AS user_id, '' AS video_id, toDateTime64(day, 3, 'UTC') AS started_at, '(idle)' AS plan,
	0 AS gpu_hours_actual, 0 AS gpu_hours, cd_spend AS cluster_day_spend_usd, 0 AS cost_usd, cd_idle AS policy_cost_usd
FROM (
	SELECT day, cluster, any(cluster_day_spend_usd) AS cd_spend, max(cluster_day_idle_usd) AS cd_idle
	FROM priced
	WHERE {idle_policy:String} = 'separate' AND job_id != ''
	GROUP BY day, cluster
)
WHERE cd_idle != 0
