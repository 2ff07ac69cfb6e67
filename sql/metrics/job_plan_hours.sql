-- Base rows: job GPU time per day (job_gpu_hours) with the plan it is charged to.
-- User jobs: the requester's plan when the job started (user_plan_intervals,
-- half-open; no interval covering that moment = 'free'). Feed pre-generation,
-- internal and eval jobs are their own line: plan = their purpose.
-- What-if: free_quota_factor scales free-plan user jobs' GPU time (0.5 = the
-- free quota halved); `quota_factor` carries it so cost and hours move together.
SELECT
	j.day AS day,
	j.cluster AS cluster,
	j.gpu_type AS gpu_type,
	j.purpose AS purpose,
	j.model AS model,
	j.resolution AS resolution,
	j.status AS status,
	j.job_id AS job_id,
	j.request_id AS request_id,
	j.user_id AS user_id,
	j.video_id AS video_id,
	j.started_at AS started_at,
	j.gpu_hours AS gpu_hours,
	if(j.purpose = 'user', if(p.valid_to > j.started_at AND p.plan != '', toString(p.plan), 'free'), j.purpose) AS plan,
	if(plan = 'free', {free_quota_factor:Float64}, 1) AS quota_factor
FROM ({{job_gpu_hours}}) AS j
ASOF LEFT JOIN (
	SELECT user_id, toString(plan) AS plan, valid_from, valid_to FROM user_plan_intervals
) AS p ON j.user_id = p.user_id AND j.started_at >= p.valid_from
