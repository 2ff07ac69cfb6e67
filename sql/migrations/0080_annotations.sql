-- Annotations: dated notes (launches, price cuts, incidents) drawn as marks on
-- every time-series chart. A ReplacingMergeTree keyed by id with an explicit
-- `version`: an edit or a removal is a newer row, reads take the latest (FINAL).
-- Who added or removed one is also in audit_log.

-- @shard_key 0
CREATE TABLE IF NOT EXISTS annotations (
	id String,
	day Date,
	kind LowCardinality(String),
	title String,
	body String,
	author String,
	created_at DateTime64(3, 'UTC'),
	removed Bool DEFAULT false,
	version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id;
