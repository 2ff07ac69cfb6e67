-- Accounts, sessions, API tokens and the audit log. ClickHouse is the only
-- store, so these are ReplacingMergeTree tables keyed by their natural id with
-- an explicit `version` (microseconds, strictly increasing per process): every
-- change — a password reset, a revocation, a removal — is a newer row, and
-- reads take the latest row per key (FINAL). Nothing secret is stored in clear:
-- passwords as scrypt hashes, session ids and tokens as SHA-256 digests.

-- @shard_key 0
CREATE TABLE IF NOT EXISTS auth_users (
	name String,
	role LowCardinality(String),
	-- scrypt$N$r$p$salt$hash (base64url); empty when the account is removed.
	password_hash String,
	-- The first admin's printed password must be replaced at first sign-in.
	must_change_password Bool DEFAULT false,
	-- Sessions created before this instant are void (password reset, removal, role change).
	sessions_valid_after DateTime64(3, 'UTC'),
	removed Bool DEFAULT false,
	updated_by String,
	version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY name;

-- @shard_key 0
CREATE TABLE IF NOT EXISTS auth_sessions (
	-- SHA-256 of the cookie value: a leaked table does not sign anyone in.
	session_hash String,
	user_name String,
	created_at DateTime64(3, 'UTC'),
	expires_at DateTime64(3, 'UTC'),
	ip String,
	revoked Bool DEFAULT false,
	version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY session_hash
TTL toDateTime(expires_at) + INTERVAL 7 DAY;

-- @shard_key 0
CREATE TABLE IF NOT EXISTS auth_tokens (
	-- Short public id (first 12 hex digits of the digest), shown and used to revoke.
	token_id String,
	token_hash String,
	name String,
	scopes Array(String),
	created_by String,
	created_at DateTime64(3, 'UTC'),
	revoked_at Nullable(DateTime64(3, 'UTC')),
	version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_id;

-- Last use is a separate table so a busy token never races its own revocation:
-- the latest timestamp wins on merge, and reads take max().
-- @shard_key 0
CREATE TABLE IF NOT EXISTS auth_token_usage (
	token_id String,
	last_used_at DateTime64(3, 'UTC'),
	last_ip String
) ENGINE = ReplacingMergeTree(last_used_at)
ORDER BY token_id;

-- Who did what, when: sign-ins (and failures), exports, admin actions.
-- @shard_key 0
CREATE TABLE IF NOT EXISTS audit_log (
	ts DateTime64(3, 'UTC'),
	event_id String,
	actor String,
	action LowCardinality(String),
	target String,
	outcome LowCardinality(String),
	ip String,
	detail String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (ts, event_id);
