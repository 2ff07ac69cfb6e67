-- Rows behind cost per output-second and cost per clip: every job that ended in
-- the period, with its whole job cost (every cluster-day it ran, by_use rate),
-- its status, and the output it delivered (succeeded jobs only). Σ cost_usd /
-- Σ output_seconds is the metric; the failed, cancelled and moderated attempts
-- are listed beside the requests they belong to (sorted by request).
SELECT
	request_id, job_id, user_id, plan, purpose, model, resolution, status, cluster, gpu_type, video_id,
	started_at, ended_at, gpu_hours, cost_usd, output_seconds, clips
FROM ({{job_output_cost}})
WHERE day >= {from:Date} AND day < {to:Date}
ORDER BY request_id, ended_at, job_id
LIMIT {limit:UInt32}
