-- Closed months (admin action, audited in audit_log): a closed month keeps
-- what was reported at close, i.e. its figures as of `as_of` (the moment it
-- was closed); a reopening is a newer row with closed = false. Reads take the
-- latest row per month (FINAL, by `version`: microseconds, strictly increasing).
-- @shard_key 0
CREATE TABLE IF NOT EXISTS closed_months (
	month Date,
	closed Bool,
	as_of DateTime64(3, 'UTC'),
	actor String,
	note String,
	changed_at DateTime64(3, 'UTC'),
	version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY month;
