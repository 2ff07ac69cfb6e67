-- Daily exchange rates (optional source fx_rates): USD for one unit of a
-- currency (ISO 4217, upper case) on a day. Revenue and MRR in other
-- currencies are converted at the rate of the day being recognized
-- (sql/metrics/subscription_revenue_daily.sql, mrr_daily.sql). A row loaded
-- again replaces the earlier load of the same (currency, date).
-- @shard_key 0
CREATE TABLE IF NOT EXISTS fx_rates (
	date Date,
	currency LowCardinality(String),
	usd_per_unit Decimal(18, 9),
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (currency, date)
SETTINGS non_replicated_deduplication_window = 10000;
