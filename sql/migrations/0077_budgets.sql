-- Monthly budgets (optional source): compute per cluster or for the whole
-- company (scope ''), revenue for the company. Compared with actuals by
-- sql/metrics/budget_daily.sql. A row loaded again replaces the earlier load
-- of the same (month, line, scope).
-- @shard_key 0
CREATE TABLE IF NOT EXISTS budgets (
	month Date,
	line LowCardinality(String),
	scope String,
	amount_usd Decimal(18, 6),
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (month, line, scope)
SETTINGS non_replicated_deduplication_window = 10000;
