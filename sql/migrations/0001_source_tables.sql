-- Tables for the file sources of ../shared/DATA.md, one per source.
--
-- Idempotency: every table is a ReplacingMergeTree whose sorting key ends in the
-- source's natural key, so a row loaded twice collapses on merge; ingest also
-- skips keys already present and tags each chunk with a deduplication token, so
-- reads never see a duplicate even before a merge. `ingested_at` is the version:
-- for users and videos "latest row wins" means the most recently loaded one.
-- `non_replicated_deduplication_window` keeps the block-token log that makes a
-- re-sent chunk a no-op (even from a new process).
-- Money is Decimal(18, 6), never Float: sums of decimals are exact.

-- Feed impressions: the biggest table. Panels filter by day first, then work
-- per user-day (diversity, sessions), so the key is (day, user, impression).
-- @shard_key cityHash64(user_id)
CREATE TABLE IF NOT EXISTS impressions (
	impression_id String,
	ts DateTime64(3, 'UTC'),
	user_id String,
	session_id String,
	video_id String,
	watch_ms UInt32,
	video_duration_ms UInt32,
	position UInt32,
	surface LowCardinality(String),
	feed_mode LowCardinality(String),
	rec_arm LowCardinality(String),
	autoplay Bool,
	liked Bool,
	shared Bool,
	commented Bool,
	followed Bool,
	not_interested Bool,
	reported Bool,
	country LowCardinality(String),
	platform LowCardinality(String),
	tz_offset_min Nullable(Int16),
	is_internal Bool DEFAULT false,
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (toDate(ts), user_id, impression_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Published videos; looked up by id from impressions and jobs.
-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS videos (
	video_id String,
	created_at DateTime64(3, 'UTC'),
	creator_id String,
	creator_kind LowCardinality(String),
	duration_ms UInt32,
	topic LowCardinality(String),
	caption String,
	remix_of String DEFAULT '',
	request_id String DEFAULT '',
	cameo_user_ids Array(String),
	cameo_consent LowCardinality(String),
	copyright_flag Bool,
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY video_id
SETTINGS non_replicated_deduplication_window = 10000;

-- GPU jobs; compute panels slice by day and cluster.
-- @shard_key cityHash64(job_id)
CREATE TABLE IF NOT EXISTS generation_jobs (
	job_id String,
	request_id String,
	user_id String DEFAULT '',
	purpose LowCardinality(String),
	model LowCardinality(String),
	resolution LowCardinality(String),
	output_seconds Float64,
	cluster LowCardinality(String),
	gpu_type LowCardinality(String),
	gpu_count UInt16,
	started_at DateTime64(3, 'UTC'),
	ended_at DateTime64(3, 'UTC'),
	status LowCardinality(String),
	video_id String DEFAULT '',
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (toDate(started_at), cluster, job_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Provisioned capacity and its price. Intervals are half-open; valid_to NULL = open-ended.
-- @shard_key cityHash64(cluster)
CREATE TABLE IF NOT EXISTS gpu_fleet (
	cluster LowCardinality(String),
	gpu_type LowCardinality(String),
	valid_from DateTime64(3, 'UTC'),
	valid_to Nullable(DateTime64(3, 'UTC')),
	gpu_count UInt32,
	ownership LowCardinality(String),
	rental_usd_per_gpu_hour Decimal(18, 6) DEFAULT 0,
	purchase_usd_per_gpu Decimal(18, 6) DEFAULT 0,
	amortization_months UInt16 DEFAULT 0,
	power_watts Decimal(18, 6) DEFAULT 0,
	pue Decimal(18, 6) DEFAULT 0,
	usd_per_kwh Decimal(18, 6) DEFAULT 0,
	maintenance_usd_per_gpu_month Decimal(18, 6) DEFAULT 0,
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (cluster, gpu_type, valid_from);

-- @shard_key cityHash64(user_id)
CREATE TABLE IF NOT EXISTS users (
	user_id String,
	signup_at DateTime64(3, 'UTC'),
	stripe_customer_id String DEFAULT '',
	country LowCardinality(String) DEFAULT '',
	is_internal Bool DEFAULT false,
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY user_id
SETTINGS non_replicated_deduplication_window = 10000;

-- Ad revenue per day; empty country/platform = all.
-- @shard_key toYYYYMM(date)
CREATE TABLE IF NOT EXISTS ad_revenue (
	date Date,
	country LowCardinality(String) DEFAULT '',
	platform LowCardinality(String) DEFAULT '',
	ad_impressions UInt64,
	revenue_usd Decimal(18, 6),
	ingest_run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (date, country, platform);
