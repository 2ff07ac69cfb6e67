-- Day tables (src/lib/server/metrics/day-tables.ts): metric base files whose rows
-- for a day do not depend on the period asked, computed once after each ingest
-- into day_<file> and read instead of the file while the source tables are
-- unchanged. One row per build; the latest per source wins. A day table is read
-- only while `fingerprint` (the newest insert block of every source table when the
-- build started) and `sql_hash` (the expanded SQL it ran) match the present ones,
-- so it is never stale: anything else reads the file itself.
-- @shard_key 0
CREATE TABLE IF NOT EXISTS day_tables (
	source LowCardinality(String),
	fingerprint String,
	sql_hash String,
	first_day Date,
	last_day Date,
	rows UInt64,
	seconds Float64,
	built_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(built_at)
ORDER BY source;
