-- Per-user-day rollup of human impressions: one row per UTC day × user ×
-- rec_arm × feed_mode × country × platform × surface, with the same sums as
-- impressions_daily (migration 0050). It serves what a per-day rollup cannot:
-- distinct users (DAU/WAU/MAU), return rate, the engagement–satisfaction
-- divergence, ad revenue allocated to viewers, and every engagement figure
-- broken down by plan. The viewer's plan is not stored: it comes from Stripe
-- data that changes after the impression, so queries look it up per row (the
-- plan at the start of the row's UTC day; engagement_impression_dims) —
-- thousands of rows per day instead of an impression-level lookup.
--
-- ≈ 1/10 of the impressions' row count (a user's impressions of one day share
-- the key). Kept by a materialized view and SummingMergeTree like 0050, with
-- the same guarantees under late data and re-ingest; readers sum again, so
-- unmerged parts never count twice.
-- @shard_key cityHash64(user_id)
CREATE TABLE IF NOT EXISTS impressions_user_daily (
	day Date,
	user_id String,
	rec_arm LowCardinality(String),
	feed_mode LowCardinality(String),
	country LowCardinality(String),
	platform LowCardinality(String),
	surface LowCardinality(String),
	impressions UInt64,
	watch_ms_sum UInt64,
	watch_sq Float64,
	positive UInt64,
	positive_sq UInt64,
	negative UInt64,
	negative_sq UInt64,
	rapid_skips UInt64,
	tz_watch_ms UInt64,
	tz_watch_sq Float64,
	late_watch_ms UInt64,
	late_watch_sq Float64,
	autoplay_watch_ms UInt64,
	autoplay_watch_sq Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, user_id, rec_arm, feed_mode, country, platform, surface);

CREATE MATERIALIZED VIEW IF NOT EXISTS impressions_user_daily_mv TO impressions_user_daily AS
SELECT
	toDate(ts) AS day,
	user_id,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	count() AS impressions,
	sum(watch_ms) AS watch_ms_sum,
	sum(pow(watch_ms / 3600000, 2)) AS watch_sq,
	sum(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed)) AS positive,
	sum(pow(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed), 2)) AS positive_sq,
	sum(toUInt8(not_interested) + toUInt8(reported)) AS negative,
	sum(pow(toUInt8(not_interested) + toUInt8(reported), 2)) AS negative_sq,
	countIf(watch_ms < 2000 OR watch_ms * 10 < video_duration_ms) AS rapid_skips,
	sumIf(watch_ms, tz_offset_min IS NOT NULL) AS tz_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), tz_offset_min IS NOT NULL) AS tz_watch_sq,
	sumIf(watch_ms, toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_watch_sq,
	sumIf(watch_ms, autoplay) AS autoplay_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), autoplay) AS autoplay_watch_sq
FROM impressions
WHERE NOT is_internal
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface;

-- Impressions loaded before this migration.
INSERT INTO impressions_user_daily
SELECT
	toDate(ts) AS day,
	user_id,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	count() AS impressions,
	sum(watch_ms) AS watch_ms_sum,
	sum(pow(watch_ms / 3600000, 2)) AS watch_sq,
	sum(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed)) AS positive,
	sum(pow(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed), 2)) AS positive_sq,
	sum(toUInt8(not_interested) + toUInt8(reported)) AS negative,
	sum(pow(toUInt8(not_interested) + toUInt8(reported), 2)) AS negative_sq,
	countIf(watch_ms < 2000 OR watch_ms * 10 < video_duration_ms) AS rapid_skips,
	sumIf(watch_ms, tz_offset_min IS NOT NULL) AS tz_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), tz_offset_min IS NOT NULL) AS tz_watch_sq,
	sumIf(watch_ms, toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_watch_sq,
	sumIf(watch_ms, autoplay) AS autoplay_watch_ms,
	sumIf(pow(watch_ms / 3600000, 2), autoplay) AS autoplay_watch_sq
FROM impressions
WHERE NOT is_internal
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface;
