-- Alert notifications: one row per delivery of a breach start, a breach end or
-- a test to an outgoing webhook (config/alerts.json `webhooks`), with how many
-- attempts it took and the last HTTP status or error. It is both the delivery
-- log on the Feed health page and the state that keeps one notification per
-- breach: a (rule, group, webhook) whose last delivered event is `start` has an
-- open breach, and is not notified again until its `end` is delivered.

-- @shard_key 0
CREATE TABLE IF NOT EXISTS alert_notifications (
	sent_at DateTime64(3, 'UTC'),
	delivery_id String,
	webhook_id LowCardinality(String),
	rule_id String,
	-- JSON object of the breach's group values, keys sorted, e.g. {"rec_arm":"rl-watchtime"}; {} when ungrouped.
	group_key String,
	event LowCardinality(String),
	breach_started Date,
	status LowCardinality(String),
	attempts UInt8,
	http_status UInt16,
	error String,
	payload String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(sent_at)
ORDER BY (webhook_id, rule_id, group_key, sent_at);
