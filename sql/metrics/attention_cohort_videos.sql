-- Base rows: one per generated video, dated by its creation day (the cohort):
--   watch_7d_h: human watch-hours (is_internal = false) it earned within
--     7 days of creation — impressions after the period end count, up to 7 days;
--   request_gpu_h: GPU-hours of every job of its generation request, including
--     failed, cancelled and moderated attempts, whole (not split by day).
-- Only videos with at least one generation job count (uploads cost no GPU).
--   observed: its 7 days end by the last day with human impressions (final).
-- A video's request: videos.request_id, else the request of the job that
-- published it (generation_jobs.video_id; the first such job if several).
WITH
vids AS (
	SELECT video_id, created, request, creator_kind
	FROM (
		SELECT video_id, argMax(created_at, ingested_at) AS created, argMax(request_id, ingested_at) AS request,
			toString(argMax(creator_kind, ingested_at)) AS creator_kind
		FROM videos
		GROUP BY video_id
	)
	WHERE created >= toDateTime64({from:Date}, 3, 'UTC') AND created < toDateTime64({to:Date}, 3, 'UTC')
),
published_by AS (
	-- Deterministic (first job by start, then id): CTEs are evaluated once per
	-- use, and any() could pick a different request each time, so the joins
	-- below would drop videos at random.
	SELECT video_id, argMin(request_id, (started_at, job_id)) AS request_id
	FROM generation_jobs
	WHERE video_id IN (SELECT video_id FROM vids)
	GROUP BY video_id
),
requests AS (
	SELECT v.video_id AS video_id, v.created AS created_at, v.creator_kind AS creator_kind,
		if(v.request != '', v.request, pb.request_id) AS request_id
	FROM vids AS v
	LEFT JOIN published_by AS pb ON pb.video_id = v.video_id
),
request_hours AS (
	SELECT request_id, sum(gpu_count * dateDiff('millisecond', started_at, ended_at)) / 3600000 AS gpu_hours
	FROM generation_jobs
	WHERE request_id IN (SELECT request_id FROM requests WHERE request_id != '')
	GROUP BY request_id
),
watch AS (
	SELECT i.video_id AS video_id, sum(i.watch_ms) / 3600000 AS watch_hours_7d
	FROM impressions AS i
	INNER JOIN requests AS r ON r.video_id = i.video_id
	WHERE NOT i.is_internal
		AND i.ts >= toDateTime64({from:Date}, 3, 'UTC')
		AND i.ts < toDateTime64({to:Date}, 3, 'UTC') + INTERVAL 7 DAY
		AND i.ts >= r.created_at AND i.ts < r.created_at + INTERVAL 7 DAY
	GROUP BY i.video_id
)
SELECT
	toDate(r.created_at) AS day,
	r.creator_kind AS creator_kind,
	r.video_id AS video_id,
	ifNull(w.watch_hours_7d, 0) AS watch_7d_h,
	h.gpu_hours AS request_gpu_h,
	-- Its 7 days end by the last day with data: the watch-hours are final.
	toDate(r.created_at) + 7 <= (SELECT day FROM ({{rollup:last_impression_day}})) AS observed
FROM requests AS r
INNER JOIN request_hours AS h ON h.request_id = r.request_id
LEFT JOIN watch AS w ON w.video_id = r.video_id
