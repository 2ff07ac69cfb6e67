-- Base rows for cost per output-second and cost per clip: one row per job whose
-- ended_at falls in the period (day = its UTC end day), with its whole job cost
-- and what it delivered.
--   job cost = Σ over the cluster-days the job ran of its GPU-hours there × that
--     cluster-day's cost per utilized GPU-hour (job_cost.cost_usd: the by_use
--     charge, whatever the job's status and whatever idle-sharing policy the
--     request names: the definition fixes it). The per-job sums (job_cost_by_job) are read
--     from the first day any job ending in the period started, so a job that
--     began before the period carries the cost of those earlier days too.
--   output_seconds and clips count only succeeded jobs: failed, cancelled and
--     moderated attempts (of the same request or not) add cost and no output,
--     so what was delivered carries them.
-- What-if knobs act through job_cost (a GPU price cut lowers every job's cost).
SELECT
	toDate(g.job_ended_at) AS day,
	c.job_id AS job_id,
	c.request_id AS request_id,
	c.user_id AS user_id,
	c.plan AS plan,
	c.purpose AS purpose,
	c.model AS model,
	c.resolution AS resolution,
	c.status AS status,
	c.cluster AS cluster,
	c.gpu_type AS gpu_type,
	c.video_id AS video_id,
	c.started_at AS started_at,
	g.job_ended_at AS ended_at,
	c.gpu_hours AS gpu_hours,
	c.cost_usd AS cost_usd,
	if(c.status = 'succeeded', g.job_output_seconds, 0) AS output_seconds,
	toUInt8(c.status = 'succeeded') AS clips
FROM ({{from_first_start:job_cost_by_job}}) AS c
INNER JOIN (
	-- Aliases differ from the columns: ClickHouse would read an alias in WHERE.
	SELECT job_id, argMax(ended_at, ingested_at) AS job_ended_at, argMax(output_seconds, ingested_at) AS job_output_seconds
	FROM generation_jobs
	WHERE ended_at >= toDateTime64({from:Date}, 3, 'UTC') AND ended_at < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY job_id
) AS g ON g.job_id = c.job_id
