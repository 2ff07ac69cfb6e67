-- Owned hardware by GPU type (generation): an owned gpu_fleet row that leaves
-- its purchase, amortization, power or maintenance empty takes them from the
-- sheet in force, the latest valid_from at or before the moment priced
-- (sql/metrics/fleet_gpu_hours.sql). A row loaded again replaces the earlier
-- load of the same (gpu_type, valid_from).
-- @shard_key cityHash64(gpu_type)
CREATE TABLE IF NOT EXISTS gpu_price_sheets (
	gpu_type LowCardinality(String),
	valid_from DateTime64(3, 'UTC'),
	purchase_usd_per_gpu Decimal(18, 6),
	amortization_months UInt16,
	power_watts Decimal(18, 6),
	maintenance_usd_per_gpu_month Decimal(18, 6),
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (gpu_type, valid_from)
SETTINGS non_replicated_deduplication_window = 10000;
