-- Every load of a gpu_price_sheets row, kept beside the earlier ones with its
-- load time, like gpu_fleet_versions (0085): price sheets as of a time are
-- read by sql/metrics/price_sheets_as_of.sql, corrections listed by
-- sql/metrics/drill/rate_corrections.sql. Fed on insert by the view below.
-- @shard_key cityHash64(gpu_type)
CREATE TABLE IF NOT EXISTS gpu_price_sheet_versions (
	gpu_type LowCardinality(String),
	valid_from DateTime64(3, 'UTC'),
	purchase_usd_per_gpu Decimal(18, 6),
	amortization_months UInt16,
	power_watts Decimal(18, 6),
	maintenance_usd_per_gpu_month Decimal(18, 6),
	ingest_run_id String,
	loaded_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (gpu_type, valid_from, loaded_at);

CREATE MATERIALIZED VIEW IF NOT EXISTS gpu_price_sheet_versions_mv TO gpu_price_sheet_versions AS
SELECT gpu_type, valid_from, purchase_usd_per_gpu, amortization_months, power_watts, maintenance_usd_per_gpu_month,
	ingest_run_id, ingested_at AS loaded_at
FROM gpu_price_sheets;

-- Sheets loaded before this migration: every load not yet merged away, with its ingested_at.
INSERT INTO gpu_price_sheet_versions
SELECT gpu_type, valid_from, purchase_usd_per_gpu, amortization_months, power_watts, maintenance_usd_per_gpu_month,
	ingest_run_id, ingested_at AS loaded_at
FROM gpu_price_sheets;
