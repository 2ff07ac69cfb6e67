-- Base rows: one per UTC day and cluster, the unit jobs are charged in.
--   provisioned_hours, spend_usd: from the fleet cost model (fleet_gpu_hours,
--     price knobs applied there);
--   utilized_hours: all jobs' GPU time that day on that cluster (any status);
--   rate_usd_per_gpu_hour = spend / utilized: every job is charged this rate,
--     so the jobs of a cluster-day add up to its spend exactly.
-- What-if (1 / 0 = actuals):
--   free_quota_factor scales free-plan jobs' hours; capacity is assumed to flex
--   with demand, so spend scales by utilized_after / utilized_before;
--   utilization_target (0..1, 0 = off): where utilization is below the target,
--   the same work needs fewer GPUs, so spend scales by utilization / target.
SELECT
	f.day AS day,
	f.cluster AS cluster,
	f.provisioned_hours AS provisioned_hours,
	j.utilized_hours AS utilized_hours_actual,
	j.utilized_whatif AS utilized_hours,
	f.spend_usd
		* if(j.utilized_hours > 0, j.utilized_whatif / j.utilized_hours, 1)
		* if({utilization_target:Float64} > 0 AND f.provisioned_hours > 0 AND j.utilized_hours / f.provisioned_hours < {utilization_target:Float64},
			(j.utilized_hours / f.provisioned_hours) / {utilization_target:Float64}, 1) AS spend_usd,
	spend_usd / nullIf(utilized_hours, 0) AS rate_usd_per_gpu_hour
FROM (
	SELECT day, cluster, sum(gpu_hours) AS provisioned_hours, sum(spend_usd) AS spend_usd
	FROM ({{fleet_gpu_hours}})
	GROUP BY day, cluster
) AS f
LEFT JOIN (
	SELECT day, cluster, sum(gpu_hours) AS utilized_hours, sum(gpu_hours * quota_factor) AS utilized_whatif
	FROM ({{job_plan_hours}})
	GROUP BY day, cluster
) AS j ON j.day = f.day AND j.cluster = f.cluster
