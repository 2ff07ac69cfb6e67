-- Why: the video-based Slop indicators (near-duplicate, remix depth, AI mix,
-- cameo, copyright shares, creator concentration) and dead compute's "watched
-- within 7 days" test joined every impression with `videos` at query time
-- (seconds at 10 M impressions). They only need, per video, how many human
-- impressions it had per day (and, for dead compute, when): one row per UTC
-- day × rec_arm × feed_mode × video_id, ≈ 1/5 of the impressions at 10 M.
--
-- The video's properties are NOT stored here: a cameo consent can be revoked,
-- a copyright flag added, a near-duplicate original or a remix parent loaded
-- late, and a video may be loaded after its impressions; queries join the
-- current video facts (small: one row per video) at read time, so the rollup
-- and the raw tables give the same answer whatever arrives when.
--
-- first_ts / last_ts: the first and last human impression of the video that
-- day. "Some impression in [c, c + 7 days)" holds exactly when a day has
-- last_ts ≥ c and first_ts < c + 7 days (a day spans less than 7 days, so one
-- of the two is then inside the window).
--
-- Kept by a materialized view on inserts into `impressions`, like 0050: sums,
-- minimums and maximums do not care about arrival order (late data), and a
-- re-ingested impression is skipped by ingest or deduplicated before the view
-- fires. Readers aggregate again (sum / min / max), so unmerged parts never
-- count twice.
-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS video_impressions_daily (
	day Date,
	rec_arm LowCardinality(String),
	feed_mode LowCardinality(String),
	video_id String,
	impressions SimpleAggregateFunction(sum, UInt64),
	first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
	last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, rec_arm, feed_mode, video_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS video_impressions_daily_mv TO video_impressions_daily AS
SELECT
	toDate(ts) AS day,
	rec_arm,
	feed_mode,
	video_id,
	count() AS impressions,
	min(ts) AS first_ts,
	max(ts) AS last_ts
FROM impressions
WHERE NOT is_internal
GROUP BY day, rec_arm, feed_mode, video_id;

-- Impressions loaded before this migration.
INSERT INTO video_impressions_daily
SELECT
	toDate(ts) AS day,
	rec_arm,
	feed_mode,
	video_id,
	count() AS impressions,
	min(ts) AS first_ts,
	max(ts) AS last_ts
FROM impressions
WHERE NOT is_internal
GROUP BY day, rec_arm, feed_mode, video_id;
