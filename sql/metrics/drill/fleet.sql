-- Rows behind fleet metrics: one row per gpu_fleet interval, cluster and GPU
-- type overlapping the period, with its hourly cost components and what it
-- provided and cost inside the period. Σ spend_usd = compute spend,
-- Σ provisioned_gpu_hours = provisioned GPU-hours.
SELECT
	f.cluster AS cluster,
	f.gpu_type AS gpu_type,
	f.ownership AS ownership,
	f.valid_from AS valid_from,
	f.gpu_count AS gpu_count,
	f.rental_usd AS rental_usd,
	f.amortization_usd AS amortization_usd,
	f.power_usd AS power_usd,
	f.maintenance_usd AS maintenance_usd,
	f.provisioned_gpu_hours AS provisioned_gpu_hours,
	f.spend_usd AS spend_usd,
	f.spend_usd / nullIf(f.provisioned_gpu_hours, 0) AS usd_per_provisioned_gpu_hour
FROM (
	SELECT cluster, gpu_type, ownership, valid_from, any(gpu_count) AS gpu_count,
		sum(rental_usd) AS rental_usd, sum(amortization_usd) AS amortization_usd, sum(power_usd) AS power_usd,
		sum(maintenance_usd) AS maintenance_usd, sum(gpu_hours) AS provisioned_gpu_hours, sum(spend_usd) AS spend_usd
	FROM ({{fleet_gpu_hours}})
	GROUP BY cluster, gpu_type, ownership, valid_from
) AS f
ORDER BY cluster, gpu_type, valid_from
