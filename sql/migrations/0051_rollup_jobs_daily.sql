-- Daily rollup of GPU time for the compute panels (utilized GPU-hours): one row
-- per UTC day × cluster × gpu_type × purpose × model × resolution × status.
--
-- Same definition as sql/metrics/job_gpu_hours.sql: gpu_seconds(job) =
-- gpu_count × (ended_at − started_at), whatever the status, and a job running
-- across midnight is split pro rata over the UTC days it touched. The split is
-- a function of the job row alone, so the materialized view can do it on insert.
--
-- Kept by a materialized view on inserts into `generation_jobs`; SummingMergeTree
-- adds up rows with the same key on merge and the metric SQL sums again (gpu_ms is
-- an exact integer: GPU-milliseconds). Late or
-- out-of-order jobs just add to their days; ingest skips job_ids already stored
-- and a deduplicated re-sent block does not reach the view, so nothing counts
-- twice. Requests by plan (or per job, per user) read the raw table.
-- @shard_key toYYYYMMDD(day)
CREATE TABLE IF NOT EXISTS jobs_daily (
	day Date,
	cluster LowCardinality(String),
	gpu_type LowCardinality(String),
	purpose LowCardinality(String),
	model LowCardinality(String),
	resolution LowCardinality(String),
	status LowCardinality(String),
	job_days UInt64,
	gpu_ms Int64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, cluster, gpu_type, purpose, model, resolution, status);

CREATE MATERIALIZED VIEW IF NOT EXISTS jobs_daily_mv TO jobs_daily AS
SELECT
	d AS day,
	cluster,
	gpu_type,
	purpose,
	model,
	resolution,
	status,
	count() AS job_days,
	sum(gpu_count * dateDiff('millisecond',
		greatest(started_at, toDateTime64(d, 3, 'UTC')),
		least(ended_at, toDateTime64(d + 1, 3, 'UTC')))) AS gpu_ms
FROM generation_jobs
ARRAY JOIN arrayMap(i -> toDate(started_at) + i,
	range(toUInt32(dateDiff('day', toDate(started_at), toDate(ended_at)) + 1))) AS d
GROUP BY day, cluster, gpu_type, purpose, model, resolution, status;

-- Jobs loaded before this migration.
INSERT INTO jobs_daily
SELECT
	d AS day,
	cluster,
	gpu_type,
	purpose,
	model,
	resolution,
	status,
	count() AS job_days,
	sum(gpu_count * dateDiff('millisecond',
		greatest(started_at, toDateTime64(d, 3, 'UTC')),
		least(ended_at, toDateTime64(d + 1, 3, 'UTC')))) AS gpu_ms
FROM generation_jobs
ARRAY JOIN arrayMap(i -> toDate(started_at) + i,
	range(toUInt32(dateDiff('day', toDate(started_at), toDate(ended_at)) + 1))) AS d
GROUP BY day, cluster, gpu_type, purpose, model, resolution, status;
