-- Rows behind restatements: every correction of a gpu_fleet or gpu_price_sheets
-- row, i.e. a load whose values differ from the previous load of the same row
-- key (fleet: cluster, GPU type, valid_from; sheet: GPU type, valid_from), with
-- the fields that changed (old → new), when it was loaded and by which load
-- (ingest_run_id: corrections loaded together are restated together). A load
-- repeating the previous values is no correction and is not listed. Loads of
-- rows that start on or after the period's end are left out.
WITH
fleet_loads AS (
	SELECT
		'gpu_fleet' AS source,
		toString(cluster) AS cluster,
		toString(gpu_type) AS gpu_type,
		valid_from,
		loaded_at,
		ingest_run_id,
		[('valid_to', ifNull(toString(valid_to), 'open')), ('gpu_count', toString(gpu_count)), ('ownership', toString(ownership)),
			('rental_usd_per_gpu_hour', toString(rental_usd_per_gpu_hour)), ('purchase_usd_per_gpu', toString(purchase_usd_per_gpu)),
			('amortization_months', toString(amortization_months)), ('power_watts', toString(power_watts)), ('pue', toString(pue)),
			('usd_per_kwh', toString(usd_per_kwh)), ('maintenance_usd_per_gpu_month', toString(maintenance_usd_per_gpu_month))] AS fields
	FROM gpu_fleet_versions
	WHERE valid_from < toDateTime64({to:Date}, 3, 'UTC')
),
sheet_loads AS (
	SELECT
		'gpu_price_sheets' AS source,
		'' AS cluster,
		toString(gpu_type) AS gpu_type,
		valid_from,
		loaded_at,
		ingest_run_id,
		[('purchase_usd_per_gpu', toString(purchase_usd_per_gpu)), ('amortization_months', toString(amortization_months)),
			('power_watts', toString(power_watts)), ('maintenance_usd_per_gpu_month', toString(maintenance_usd_per_gpu_month))] AS fields
	FROM gpu_price_sheet_versions
	WHERE valid_from < toDateTime64({to:Date}, 3, 'UTC')
),
loads AS (
	SELECT *,
		row_number() OVER w AS load_number,
		lagInFrame(fields) OVER w AS previous_fields,
		lagInFrame(loaded_at) OVER w AS previous_loaded_at
	FROM (SELECT * FROM fleet_loads UNION ALL SELECT * FROM sheet_loads)
	WINDOW w AS (PARTITION BY source, cluster, gpu_type, valid_from ORDER BY loaded_at ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
),
changes AS (
	SELECT *,
		arrayFilter(c -> c.2 != c.3, arrayMap((now, before) -> (now.1, before.2, now.2), fields, previous_fields)) AS changed
	FROM loads
	WHERE load_number > 1
)
SELECT
	source,
	cluster,
	gpu_type,
	valid_from,
	if(source = 'gpu_fleet', concat(cluster, ' · ', gpu_type, ' · from ', toString(valid_from)), concat(gpu_type, ' · from ', toString(valid_from))) AS row_key,
	arrayStringConcat(arrayMap(c -> concat(c.1, ' ', c.2), changed), ', ') AS old_values,
	arrayStringConcat(arrayMap(c -> concat(c.1, ' ', c.3), changed), ', ') AS new_values,
	arrayStringConcat(arrayMap(c -> concat(c.1, ' ', c.2, ' → ', c.3), changed), ', ') AS change,
	previous_loaded_at,
	loaded_at,
	ingest_run_id
FROM changes
WHERE length(changed) > 0
ORDER BY loaded_at, source, cluster, gpu_type, valid_from
