-- Base rows: GPU time of generation jobs, split pro rata across UTC days.
-- gpu_seconds(job) = gpu_count × (ended_at − started_at), whatever the job's status
-- (failed, cancelled and moderated jobs burned GPUs too); a job running across
-- midnight contributes to each day the share it ran in that day.
-- One row per job and day it touched.
SELECT
	d AS day,
	toString(cluster) AS cluster,
	toString(gpu_type) AS gpu_type,
	toString(purpose) AS purpose,
	toString(model) AS model,
	toString(resolution) AS resolution,
	toString(status) AS status,
	job_id,
	request_id,
	user_id,
	video_id,
	started_at,
	gpu_count * dateDiff('millisecond',
		greatest(started_at, toDateTime64(d, 3, 'UTC')),
		least(ended_at, toDateTime64(d + 1, 3, 'UTC'))) / 3600000 AS gpu_hours
FROM generation_jobs
ARRAY JOIN arrayMap(i -> toDate(started_at) + i,
	range(toUInt32(dateDiff('day', toDate(started_at), toDate(ended_at)) + 1))) AS d
WHERE started_at < toDateTime64({to:Date}, 3, 'UTC')
	AND ended_at >= toDateTime64({from:Date}, 3, 'UTC')
