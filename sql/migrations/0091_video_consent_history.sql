-- Every cameo-consent state a video has been loaded with, and since when.
--
-- Why a table of its own: `videos` is a ReplacingMergeTree(ingested_at), so a
-- video loaded again with "revoked" replaces the row that said "granted"; its
-- consent_changed_at says when the revocation happened, but a second change
-- (granted again) would erase the first. Here each state is kept under its own
-- key (video_id, since): since = consent_changed_at, or 1970-01-01 for a row
-- without one (the consent has held since the video was created). Loading
-- the same change again, or correcting the state of one change time, replaces
-- that key only (latest load wins, like `videos`).
--
-- sql/metrics/video_consent_spans.sql turns these rows into the consent in
-- force at any moment; the definition is in docs/product.md ("Consent history
-- and ad revenue per video").
--
-- Kept by a materialized view on inserts into `videos` (every row ingest
-- writes, whatever the path), filled once below from the rows already loaded.
-- @shard_key cityHash64(video_id)
CREATE TABLE IF NOT EXISTS video_consent_history (
	video_id String,
	since DateTime64(3, 'UTC'),
	cameo_consent LowCardinality(String),
	ingested_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (video_id, since);

CREATE MATERIALIZED VIEW IF NOT EXISTS video_consent_history_mv TO video_consent_history AS
SELECT
	video_id,
	ifNull(consent_changed_at, toDateTime64(0, 3, 'UTC')) AS since,
	cameo_consent,
	ingested_at
FROM videos;

-- Videos loaded before this migration (every row version not yet merged away).
INSERT INTO video_consent_history
SELECT
	video_id,
	ifNull(consent_changed_at, toDateTime64(0, 3, 'UTC')) AS since,
	cameo_consent,
	ingested_at
FROM videos;
