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
			uniqExactIf(plan, job_id != '' AND gpu_hours > 0) OVER (PARTITION BY day, cluster) AS cd_plans,
			row_number() OVER (PARTITION BY day, cluster) = 1 AS cd_first
		FROM ({{job_cost}})
	) AS j
	LEFT JOIN fleet_day AS f ON f.day = j.day AND f.cluster = j.cluster
)
-- One pass over priced (a second SELECT over it computed job_cost again): under
-- `separate`, the first job row of each cluster-day with an idle rest is emitted
-- twice by the ARRAY JOIN, its copy becoming that cluster-day's '(idle)' line.
SELECT
	p.day AS day, p.cluster AS cluster,
	if(idle_line, '', p.gpu_type) AS gpu_type,
	if(idle_line, '(idle)', p.purpose) AS purpose,
	if(idle_line, '', p.model) AS model,
	if(idle_line, '', p.resolution) AS resolution,
	if(idle_line, '', p.status) AS status,
	if(idle_line, '', p.job_id) AS job_id,
	if(idle_line, '', p.request_id) AS request_id,
	if(idle_line, '', p.user_id) AS user_id,
	if(idle_line, '', p.video_id) AS video_id,
	if(idle_line, toDateTime64(p.day, 3, 'UTC'), p.started_at) AS started_at,
	if(idle_line, '(idle)', p.plan) AS plan,
	if(idle_line, 0, p.gpu_hours_actual) AS gpu_hours_actual,
	if(idle_line, 0, p.gpu_hours) AS gpu_hours,
	p.cluster_day_spend_usd AS cluster_day_spend_usd,
	if(idle_line, 0, p.cost_usd) AS cost_usd,
	multiIf(idle_line, p.cluster_day_idle_usd,
		p.job_id = '', p.cost_usd,
		{idle_policy:String} = 'separate', p.gpu_hours * p.provisioned_rate,
		{idle_policy:String} = 'even', p.gpu_hours * p.provisioned_rate + p.even_idle_share_usd,
		p.cost_usd) AS policy_cost_usd
FROM priced AS p
ARRAY JOIN if({idle_policy:String} = 'separate' AND p.job_id != '' AND p.cd_first AND p.cluster_day_idle_usd != 0, [false, true], [false]) AS idle_line
