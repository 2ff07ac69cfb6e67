-- Base rows: provisioned GPU-hours, one row per fleet interval and UTC day it covers.
-- A row provides gpu_count GPUs over [valid_from, valid_to); an open-ended row
-- (valid_to NULL) runs to the end of the requested period. FINAL: a corrected
-- fleet row replaces the earlier load of the same (cluster, gpu_type, valid_from).
-- Hourly cost of one provisioned GPU:
--   rented: rental_usd_per_gpu_hour
--   owned:  purchase_usd_per_gpu / (amortization_months × 730)
--         + power_watts / 1000 × pue × usd_per_kwh
--         + maintenance_usd_per_gpu_month / 730
-- What-if knobs (1 = actuals): gpu_price_factor scales what the GPUs themselves
-- cost (rental and amortization), power_price_factor the electricity price.
WITH fleet AS (
	SELECT
		toString(cluster) AS cluster,
		toString(gpu_type) AS gpu_type,
		toString(ownership) AS ownership,
		gpu_count,
		valid_from,
		ifNull(valid_to, toDateTime64({to:Date}, 3, 'UTC')) AS valid_until,
		if(ownership = 'rented', toFloat64(rental_usd_per_gpu_hour), 0) * {gpu_price_factor:Float64} AS rental_rate,
		if(ownership = 'owned' AND amortization_months > 0, toFloat64(purchase_usd_per_gpu) / (amortization_months * 730), 0) * {gpu_price_factor:Float64} AS amortization_rate,
		if(ownership = 'owned', toFloat64(power_watts) / 1000 * toFloat64(pue) * toFloat64(usd_per_kwh), 0) * {power_price_factor:Float64} AS power_rate,
		if(ownership = 'owned', toFloat64(maintenance_usd_per_gpu_month) / 730, 0) AS maintenance_rate
	FROM gpu_fleet FINAL
	WHERE valid_from < toDateTime64({to:Date}, 3, 'UTC')
		AND (valid_to IS NULL OR valid_to > toDateTime64({from:Date}, 3, 'UTC'))
)
SELECT
	d AS day,
	cluster,
	gpu_type,
	ownership,
	valid_from,
	gpu_count,
	gpu_count * dateDiff('millisecond',
		greatest(valid_from, toDateTime64(d, 3, 'UTC')),
		least(valid_until, toDateTime64(d + 1, 3, 'UTC'))) / 3600000 AS gpu_hours,
	gpu_hours * rental_rate AS rental_usd,
	gpu_hours * amortization_rate AS amortization_usd,
	gpu_hours * power_rate AS power_usd,
	gpu_hours * maintenance_rate AS maintenance_usd,
	rental_usd + amortization_usd + power_usd + maintenance_usd AS spend_usd
FROM fleet
ARRAY JOIN arrayMap(i -> toDate(valid_from) + i,
	range(toUInt32(dateDiff('day', toDate(valid_from), toDate(valid_until - toIntervalMillisecond(1))) + 1))) AS d
WHERE d >= {from:Date} AND d < {to:Date}
