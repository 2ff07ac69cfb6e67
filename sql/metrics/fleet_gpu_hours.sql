-- Base rows: provisioned GPU-hours, one row per fleet interval and UTC day it covers.
-- A row provides gpu_count GPUs over [valid_from, valid_to); an open-ended row
-- (valid_to NULL) runs to the end of the requested period. Fleet rows and price
-- sheets are read as loaded by the request's as_of (fleet_as_of.sql,
-- price_sheets_as_of.sql): without one, the latest load of each row, so a
-- corrected row replaces the earlier load of the same (cluster, gpu_type, valid_from).
-- Owned rows may leave purchase, amortization, power (and maintenance) empty:
-- they take them from the gpu_price_sheets row of their GPU type in force,
-- piece by piece when a new sheet starts during the row.
-- Hourly cost of one provisioned GPU:
--   rented: rental_usd_per_gpu_hour
--   owned:  purchase_usd_per_gpu / (amortization_months × 730)
--         + power_watts / 1000 × pue × usd_per_kwh
--         + maintenance_usd_per_gpu_month / 730
-- What-if knobs (1 = actuals): gpu_price_factor scales what the GPUs themselves
-- cost (rental and amortization), power_price_factor the electricity price.
WITH
-- gpu_price_sheets: each sheet is in force from its valid_from to the next
-- sheet of the same GPU type (the last one open-ended).
sheets AS (
	SELECT
		toString(gpu_type) AS sheet_gpu_type,
		valid_from AS sheet_from,
		leadInFrame(valid_from, 1, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))
			OVER (PARTITION BY gpu_type ORDER BY valid_from ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS sheet_to,
		purchase_usd_per_gpu AS sheet_purchase,
		amortization_months AS sheet_amortization,
		power_watts AS sheet_power_watts,
		maintenance_usd_per_gpu_month AS sheet_maintenance
	FROM ({{price_sheets_as_of}})
),
fleet_rows AS (
	SELECT
		toString(cluster) AS cluster,
		toString(gpu_type) AS gpu_type,
		toString(ownership) AS ownership,
		gpu_count,
		valid_from,
		ifNull(valid_to, toDateTime64({to:Date}, 3, 'UTC')) AS valid_until,
		rental_usd_per_gpu_hour, purchase_usd_per_gpu, amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month,
		-- An owned row leaving purchase, amortization or power empty takes them from the price sheets.
		ownership = 'owned' AND (purchase_usd_per_gpu = 0 OR amortization_months = 0 OR power_watts = 0) AS uses_sheet
	FROM ({{fleet_as_of}})
	WHERE valid_from < toDateTime64({to:Date}, 3, 'UTC')
		AND (valid_to IS NULL OR valid_to > toDateTime64({from:Date}, 3, 'UTC'))
),
-- One piece per fleet row, or per (row, sheet in force) for rows priced by the
-- sheets, so a new generation's price applies from its valid_from. Each column
-- the row gives itself wins over the sheet's.
priced AS (
	SELECT cluster, gpu_type, ownership, gpu_count, valid_from, valid_from AS piece_from, valid_until AS piece_until,
		rental_usd_per_gpu_hour, purchase_usd_per_gpu, amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month
	FROM fleet_rows
	WHERE NOT uses_sheet
	UNION ALL
	SELECT f.cluster, f.gpu_type, f.ownership, f.gpu_count, f.valid_from,
		greatest(f.valid_from, s.sheet_from) AS piece_from, least(f.valid_until, s.sheet_to) AS piece_until,
		f.rental_usd_per_gpu_hour,
		if(f.purchase_usd_per_gpu > 0, f.purchase_usd_per_gpu, s.sheet_purchase),
		if(f.amortization_months > 0, f.amortization_months, s.sheet_amortization),
		if(f.power_watts > 0, f.power_watts, s.sheet_power_watts),
		f.pue, f.usd_per_kwh,
		if(f.maintenance_usd_per_gpu_month > 0, f.maintenance_usd_per_gpu_month, s.sheet_maintenance)
	FROM fleet_rows AS f
	INNER JOIN sheets AS s ON s.sheet_gpu_type = f.gpu_type
	WHERE f.uses_sheet AND s.sheet_from < f.valid_until AND s.sheet_to > f.valid_from
),
fleet AS (
	SELECT
		cluster, gpu_type, ownership, gpu_count, valid_from, piece_from, piece_until,
		if(ownership = 'rented', toFloat64(rental_usd_per_gpu_hour), 0) * {gpu_price_factor:Float64} AS rental_rate,
		if(ownership = 'owned' AND amortization_months > 0, toFloat64(purchase_usd_per_gpu) / (amortization_months * 730), 0) * {gpu_price_factor:Float64} AS amortization_rate,
		if(ownership = 'owned', toFloat64(power_watts) / 1000 * toFloat64(pue) * toFloat64(usd_per_kwh), 0) * {power_price_factor:Float64} AS power_rate,
		if(ownership = 'owned', toFloat64(maintenance_usd_per_gpu_month) / 730, 0) AS maintenance_rate
	FROM priced
)
SELECT
	d AS day,
	cluster,
	gpu_type,
	ownership,
	valid_from,
	gpu_count,
	gpu_count * dateDiff('millisecond',
		greatest(piece_from, toDateTime64(d, 3, 'UTC')),
		least(piece_until, toDateTime64(d + 1, 3, 'UTC'))) / 3600000 AS gpu_hours,
	gpu_hours * rental_rate AS rental_usd,
	gpu_hours * amortization_rate AS amortization_usd,
	gpu_hours * power_rate AS power_usd,
	gpu_hours * maintenance_rate AS maintenance_usd,
	rental_usd + amortization_usd + power_usd + maintenance_usd AS spend_usd
FROM fleet
ARRAY JOIN arrayMap(i -> toDate(piece_from) + i,
	range(toUInt32(dateDiff('day', toDate(piece_from), toDate(piece_until - toIntervalMillisecond(1))) + 1))) AS d
WHERE d >= {from:Date} AND d < {to:Date}
