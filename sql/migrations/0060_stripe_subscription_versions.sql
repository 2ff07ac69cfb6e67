-- Every state a Stripe subscription has been in, with the moment it took
-- effect, so MRR can follow the subscription day by day (plan changes without
-- an invoice, coupons, trials, pauses, cancellations; sql/metrics/mrr_changes_subscriptions.sql).
-- stripe_subscriptions (0020) keeps only the newest state; this table keeps all
-- of them. One row per (subscription, version): version is the same number as
-- in the typed tables (event `created` × 65536 + tie-break, or the second a
-- backfill listed it), so a redelivered event or a re-run file lands on the
-- same key and is merged away, and the order of arrival never matters.
-- effective_at = the version's second. discount_ids: the subscription's
-- `discounts` (and the legacy `discount`), resolved through stripe_discounts.
-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_subscription_versions (
	subscription_id String,
	customer_id String,
	status LowCardinality(String),
	effective_at DateTime64(3, 'UTC'),
	start_date DateTime64(3, 'UTC'),
	trial_end Nullable(DateTime64(3, 'UTC')),
	cancel_at Nullable(DateTime64(3, 'UTC')),
	cancel_at_period_end Bool,
	canceled_at Nullable(DateTime64(3, 'UTC')),
	ended_at Nullable(DateTime64(3, 'UTC')),
	paused Bool,
	schedule_id String,
	price_ids Array(String),
	quantities Array(UInt32),
	discount_ids Array(String),
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (subscription_id, version);
