-- Base rows for utilization: utilized GPU-hours (jobs) beside provisioned
-- GPU-hours (fleet), per day, cluster and GPU type.
SELECT day, cluster, gpu_type, gpu_hours AS utilized_hours, 0 AS provisioned_hours, 0 AS spend_usd
FROM ({{rollup:job_gpu_hours}})
UNION ALL
SELECT day, cluster, gpu_type, 0 AS utilized_hours, gpu_hours AS provisioned_hours, spend_usd
FROM ({{fleet_gpu_hours}})
