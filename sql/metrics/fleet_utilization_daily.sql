-- Base rows: one per UTC day, cluster and GPU type: provisioned and utilized
-- GPU-hours (provisioned_h, utilized_h), spend, and idle cost = spend × (1 − utilization) computed at this
-- level and then summed, so idle rented capacity is priced at its rental rate and
-- idle owned capacity at its own fully loaded rate (an overall utilization
-- applied to overall spend would mix them).
SELECT
	day, cluster, gpu_type, ownership,
	provisioned_h, utilized_h, spend,
	if(provisioned_h > 0, spend * greatest(0, 1 - utilized_h / provisioned_h), 0) AS idle_cost
FROM (
	SELECT
		day, cluster, gpu_type,
		anyIf(ownership, ownership != '') AS ownership,
		sum(utilized) AS utilized_h,
		sum(provisioned) AS provisioned_h,
		sum(spend_part) AS spend
	FROM (
		SELECT day, cluster, gpu_type, '' AS ownership, gpu_hours AS utilized, 0 AS provisioned, 0 AS spend_part
		FROM ({{rollup:job_gpu_hours}})
		UNION ALL
		SELECT day, cluster, gpu_type, ownership, 0 AS utilized, gpu_hours AS provisioned, spend_usd AS spend_part
		FROM ({{fleet_gpu_hours}})
	)
	GROUP BY day, cluster, gpu_type
)
