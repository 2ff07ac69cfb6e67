-- Base rows: job cost rows (job_cost) with the reason the compute was dead:
--   failed / cancelled / moderated: the job's status;
--   never_watched_7d: a succeeded job whose published video (video_id) got no
--     human impression (is_internal = false) within 7 days of the video's
--     creation (videos.created_at, else the job's end);
--   live: everything else, kept so shares have their denominator: succeeded
--     jobs that publish no video (e.g. eval runs), and videos whose 7 days
--     are not over at the last impression in the warehouse (not judged yet).
WITH
period_videos AS (
	-- Videos of jobs that ran in the period, read straight from the jobs table so
	-- the cost allocation below is computed once.
	SELECT DISTINCT video_id FROM generation_jobs
	WHERE video_id != ''
		AND started_at < toDateTime64({to:Date}, 3, 'UTC')
		AND ended_at >= toDateTime64({from:Date}, 3, 'UTC')
),
created AS (
	-- The video's own created_at when the videos file has it, else the job's end.
	SELECT video_id, argMin(created_at, priority) AS created_at
	FROM (
		SELECT video_id, argMax(created_at, ingested_at) AS created_at, 0 AS priority
		FROM videos
		WHERE video_id IN (SELECT video_id FROM period_videos)
		GROUP BY video_id
		UNION ALL
		SELECT video_id, max(ended_at) AS created_at, 1 AS priority
		FROM generation_jobs
		WHERE video_id IN (SELECT video_id FROM period_videos) AND status = 'succeeded'
		GROUP BY video_id
	)
	GROUP BY video_id
),
watched AS (
	-- Human impressions per video and day with their first and last time
	-- (relation slop_video_days: the rollup of migration 0043, or the raw
	-- impressions when forced). A video had an impression in
	-- [created_at, created_at + 7 days) exactly when one of its days has
	-- last_ts >= created_at and first_ts < created_at + 7 days: a day is shorter
	-- than the window, so its first or its last impression then lies inside.
	SELECT DISTINCT d.video_id AS video_id
	FROM ({{rollup:slop_video_days}}) AS d
	INNER JOIN created AS c ON c.video_id = d.video_id
	WHERE d.day >= subtractDays({from:Date}, 2)
		AND d.day < addDays({to:Date}, 8)
		AND d.last_ts >= c.created_at AND d.first_ts < c.created_at + INTERVAL 7 DAY
)
SELECT
	jobs.*,
	multiIf(
		status IN ('failed', 'cancelled', 'moderated'), status,
		status = 'succeeded' AND video_id != '' AND video_id NOT IN (SELECT video_id FROM watched)
			AND video_id IN (SELECT video_id FROM created WHERE created_at + INTERVAL 7 DAY <= (SELECT max(ts) FROM impressions)), 'never_watched_7d',
		'live'
	) AS dead_reason
FROM (SELECT * FROM ({{job_cost}}) WHERE job_id != '') AS jobs
