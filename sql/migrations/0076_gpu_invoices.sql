-- What each GPU provider billed per cluster and month (optional source): compute
-- spend is reconciled against it (sql/metrics/compute_invoice_daily.sql). A row
-- loaded again replaces the earlier load of the same invoice_id.
-- @shard_key cityHash64(cluster)
CREATE TABLE IF NOT EXISTS gpu_invoices (
	invoice_id String,
	provider LowCardinality(String),
	cluster LowCardinality(String),
	month Date,
	amount_usd Decimal(18, 6),
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY invoice_id
SETTINGS non_replicated_deduplication_window = 10000;
