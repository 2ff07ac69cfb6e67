-- gpu_fleet as it was loaded by {as_of}: per (cluster, gpu_type, valid_from),
-- the version with the latest loaded_at ≤ as_of (gpu_fleet_versions keeps every
-- load). Without an as_of the engine passes the far future, so this is the
-- latest load of each row: what gpu_fleet FINAL returns.
SELECT cluster, gpu_type, valid_from, valid_to, gpu_count, ownership, rental_usd_per_gpu_hour, purchase_usd_per_gpu,
	amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month, loaded_at
FROM gpu_fleet_versions
WHERE loaded_at <= {as_of:DateTime64(3, 'UTC')}
ORDER BY cluster, gpu_type, valid_from, loaded_at DESC
LIMIT 1 BY cluster, gpu_type, valid_from
