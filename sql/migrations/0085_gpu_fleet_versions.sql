-- Every load of a gpu_fleet row, kept: gpu_fleet itself is a ReplacingMergeTree,
-- so a row loaded again with another rate replaces the earlier load once
-- merged. gpu_fleet_versions keeps each load beside the earlier ones with its
-- load time (loaded_at = the load's ingested_at), so figures can be computed
-- "as of" a time (sql/metrics/fleet_as_of.sql) and every correction listed
-- (sql/metrics/drill/rate_corrections.sql). Fed on insert by the view below;
-- a re-sent identical block deduplicated by gpu_fleet never reaches it, and a
-- load repeating the values of the previous version is not a correction (the
-- reads compare each version with the one before).
-- @shard_key cityHash64(cluster)
CREATE TABLE IF NOT EXISTS gpu_fleet_versions (
	cluster LowCardinality(String),
	gpu_type LowCardinality(String),
	valid_from DateTime64(3, 'UTC'),
	valid_to Nullable(DateTime64(3, 'UTC')),
	gpu_count UInt32,
	ownership LowCardinality(String),
	rental_usd_per_gpu_hour Decimal(18, 6),
	purchase_usd_per_gpu Decimal(18, 6),
	amortization_months UInt16,
	power_watts Decimal(18, 6),
	pue Decimal(18, 6),
	usd_per_kwh Decimal(18, 6),
	maintenance_usd_per_gpu_month Decimal(18, 6),
	ingest_run_id String,
	loaded_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (cluster, gpu_type, valid_from, loaded_at);

CREATE MATERIALIZED VIEW IF NOT EXISTS gpu_fleet_versions_mv TO gpu_fleet_versions AS
SELECT cluster, gpu_type, valid_from, valid_to, gpu_count, ownership, rental_usd_per_gpu_hour, purchase_usd_per_gpu,
	amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month, ingest_run_id, ingested_at AS loaded_at
FROM gpu_fleet;

-- Rows loaded before this migration: every load not yet merged away, with its ingested_at.
INSERT INTO gpu_fleet_versions
SELECT cluster, gpu_type, valid_from, valid_to, gpu_count, ownership, rental_usd_per_gpu_hour, purchase_usd_per_gpu,
	amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month, ingest_run_id, ingested_at AS loaded_at
FROM gpu_fleet;
