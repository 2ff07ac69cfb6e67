-- Discounts and the coupons behind them, for MRR net of recurring discounts.
-- A discount is in force over [starts_at, ends_at) (NULL: forever): Stripe's start and end; it sets
-- the end of a repeating coupon (start + duration_in_months). Newest state per id.
-- A discount arrives expanded inside a subscription, or as customer.discount.*
-- events; a coupon inside its discount, or as coupon.* events / the backfill's
-- coupon list.
-- @shard_key cityHash64(discount_id)
CREATE TABLE IF NOT EXISTS stripe_discounts (
	discount_id String,
	subscription_id String,
	customer_id String,
	coupon_id String,
	starts_at DateTime64(3, 'UTC'),
	ends_at Nullable(DateTime64(3, 'UTC')),
	deleted Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY discount_id;

-- duration: forever, once or repeating. percent_off 0 when the coupon takes an
-- amount off; amount_off in cents per invoice (USD only: other currencies are
-- refused at ingest like every other amount).
-- @shard_key cityHash64(coupon_id)
CREATE TABLE IF NOT EXISTS stripe_coupons (
	coupon_id String,
	duration LowCardinality(String),
	duration_in_months UInt32,
	percent_off Decimal(9, 4),
	amount_off Int64,
	currency LowCardinality(String),
	deleted Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY coupon_id;
