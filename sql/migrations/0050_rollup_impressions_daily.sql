-- Daily rollup of human impressions for the engagement panels (watch-hours,
-- satisfaction, negative and rapid-skip rates, late-night and autoplay shares):
-- one row per UTC day × rec_arm × feed_mode × country × platform × surface
-- instead of one per impression (≈ 10⁴ rows per day instead of ≈ 10⁶).
--
-- Kept by a materialized view on inserts into `impressions`; SummingMergeTree
-- adds up rows with the same key on merge, and the metric SQL sums again, so
-- unmerged parts never count twice. Correct under:
--   - late and out-of-order data: a sum does not care when a row arrives;
--   - re-ingest: ingest skips impressions whose key is already stored, and a
--     re-sent block that the table deduplicates does not reach the view
--     (ClickHouse skips dependent views for a deduplicated block).
-- What it cannot serve: `plan` (derived from Stripe data that changes after
-- the impression is stored) and per-user or distinct counts; requests for
-- those read the raw table through the same metric definition.
--
-- Integer sums are exact; the *_sq sums of squares (ratio-estimator intervals)
-- are Float64, equal to the raw computation up to summation order.
-- @shard_key toYYYYMMDD(day)
CREATE TABLE IF NOT EXISTS impressions_daily (
	day Date,
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
ORDER BY (day, rec_arm, feed_mode, country, platform, surface);

CREATE MATERIALIZED VIEW IF NOT EXISTS impressions_daily_mv TO impressions_daily AS
SELECT
	toDate(ts) AS day,
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
GROUP BY day, rec_arm, feed_mode, country, platform, surface;

-- Impressions loaded before this migration.
INSERT INTO impressions_daily
SELECT
	toDate(ts) AS day,
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
GROUP BY day, rec_arm, feed_mode, country, platform, surface;
