-- What every ingest did, and what it refused.

-- One row per run, rewritten as the run progresses (latest updated_at wins);
-- `chunks_done` lets a killed run resume where it stopped.
-- @shard_key 0
CREATE TABLE IF NOT EXISTS ingest_runs (
	run_id String,
	source LowCardinality(String),
	file String,
	file_hash String,
	format LowCardinality(String),
	bytes UInt64,
	started_at DateTime64(3, 'UTC'),
	finished_at Nullable(DateTime64(3, 'UTC')),
	actor String,
	via LowCardinality(String),
	rows_read UInt64,
	rows_loaded UInt64,
	rows_duplicate UInt64,
	rows_rejected UInt64,
	rows_warned UInt64,
	chunks_done UInt32,
	outcome LowCardinality(String),
	message String,
	updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY run_id;

-- Rows that failed validation, with the reason a person can act on. Keyed by
-- file content and line so that re-running the same file adds nothing.
-- @shard_key cityHash64(file_hash)
CREATE TABLE IF NOT EXISTS dead_letters (
	source LowCardinality(String),
	file String,
	file_hash String,
	line UInt64,
	field String,
	reason String,
	raw String,
	run_id String,
	ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (source, file_hash, line, field);
