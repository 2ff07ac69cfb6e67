-- Stripe: raw objects, typed tables, and the bookkeeping of the three ways in
-- (backfill, /v1/events sync, signed webhook; plus NDJSON event files).
--
-- Convergence: every typed table is a ReplacingMergeTree whose version is the
-- moment the state was true, never the moment it arrived: an event's `created`
-- (seconds × 65536 + a deterministic tie-break, see src/lib/server/stripe/version.ts)
-- or, for backfill, the second the list was read. Whatever the delivery order,
-- the newest state of each object wins; readers use FINAL.
-- Money is integer minor units (cents) of USD; other currencies are refused
-- with a dead-letter reason, never summed.

-- Every object as Stripe sent it, newest state per id.
-- @shard_key cityHash64(object_id)
CREATE TABLE IF NOT EXISTS stripe_objects (
	object_type LowCardinality(String),
	object_id String,
	version UInt64,
	via LowCardinality(String),
	event_id String,
	payload String CODEC(ZSTD(3)),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (object_type, object_id);

-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_customers (
	customer_id String,
	metadata_user_id String,
	email String,
	created DateTime64(3, 'UTC'),
	deleted Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY customer_id;

-- @shard_key cityHash64(product_id)
CREATE TABLE IF NOT EXISTS stripe_products (
	product_id String,
	name String,
	metadata_plan String,
	active Bool,
	deleted Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY product_id;

-- recurring_interval is '' for one-time prices.
-- @shard_key cityHash64(price_id)
CREATE TABLE IF NOT EXISTS stripe_prices (
	price_id String,
	product_id String,
	currency LowCardinality(String),
	unit_amount Int64,
	recurring_interval LowCardinality(String),
	interval_count UInt32,
	lookup_key String,
	metadata_plan String,
	lookup_key_plan String,
	active Bool,
	deleted Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY price_id;

-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_subscriptions (
	subscription_id String,
	customer_id String,
	status LowCardinality(String),
	currency LowCardinality(String),
	created DateTime64(3, 'UTC'),
	start_date DateTime64(3, 'UTC'),
	canceled_at Nullable(DateTime64(3, 'UTC')),
	ended_at Nullable(DateTime64(3, 'UTC')),
	price_ids Array(String),
	quantities Array(UInt32),
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY subscription_id;

-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_invoices (
	invoice_id String,
	customer_id String,
	subscription_id String,
	status LowCardinality(String),
	currency LowCardinality(String),
	created DateTime64(3, 'UTC'),
	paid_at Nullable(DateTime64(3, 'UTC')),
	total Int64,
	line_count UInt32,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY invoice_id;

-- Lines carry their invoice's version: readers keep only the lines of the
-- invoice's winning state, so a line removed from a draft disappears too.
-- amount is before discounts; discount and inclusive_tax are what to take off
-- to get the net, tax-exclusive amount.
-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_invoice_lines (
	invoice_id String,
	line_id String,
	customer_id String,
	subscription_id String,
	price_id String,
	currency LowCardinality(String),
	amount Int64,
	discount Int64,
	inclusive_tax Int64,
	quantity UInt32,
	period_start DateTime64(3, 'UTC'),
	period_end DateTime64(3, 'UTC'),
	proration Bool,
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (invoice_id, line_id);

-- amount_ex_tax: credit note total excluding tax, net of discounts (cents).
-- @shard_key cityHash64(customer_id)
CREATE TABLE IF NOT EXISTS stripe_credit_notes (
	credit_note_id String,
	invoice_id String,
	customer_id String,
	currency LowCardinality(String),
	effective_at DateTime64(3, 'UTC'),
	status LowCardinality(String),
	amount_ex_tax Int64,
	refund_ids Array(String),
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY credit_note_id;

-- customer_id may be empty when the refund names only its charge; readers
-- then take the charge's customer from stripe_charges.
-- @shard_key cityHash64(refund_id)
CREATE TABLE IF NOT EXISTS stripe_refunds (
	refund_id String,
	charge_id String,
	customer_id String,
	currency LowCardinality(String),
	amount Int64,
	created DateTime64(3, 'UTC'),
	status LowCardinality(String),
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY refund_id;

-- @shard_key cityHash64(charge_id)
CREATE TABLE IF NOT EXISTS stripe_charges (
	charge_id String,
	customer_id String,
	currency LowCardinality(String),
	created DateTime64(3, 'UTC'),
	version UInt64,
	via LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(version)
ORDER BY charge_id;

-- Every event id ever applied (any channel): the deduplication ledger.
-- @shard_key cityHash64(event_id)
CREATE TABLE IF NOT EXISTS stripe_events (
	event_id String,
	type LowCardinality(String),
	created DateTime64(3, 'UTC'),
	object_type LowCardinality(String),
	object_id String,
	via LowCardinality(String),
	outcome LowCardinality(String),
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY event_id;

-- Every webhook delivery, accepted or not (bad signatures included), without
-- the payload or any secret.
-- @shard_key 0
CREATE TABLE IF NOT EXISTS stripe_webhook_attempts (
	received_at DateTime64(3, 'UTC') DEFAULT now64(3),
	event_id String,
	event_type String,
	status_code UInt16,
	outcome LowCardinality(String),
	message String,
	remote_address String
) ENGINE = MergeTree
ORDER BY received_at;

-- Cursors: 'events' (newest event id applied by sync) and 'backfill:<resource>'
-- (last object id stored by an unfinished backfill; 'done' when finished).
-- @shard_key 0
CREATE TABLE IF NOT EXISTS stripe_cursors (
	name String,
	value String,
	updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY name;
