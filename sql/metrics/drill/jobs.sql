-- Rows behind job metrics (utilized GPU-hours, attention-to-compute): one row
-- per generation job that ran in the period, with the GPU-hours it ran inside
-- the period (split at the period edges like the metric) and the cost it was
-- allocated (its cluster-day rate × those hours). Σ gpu_hours = utilized GPU-hours.
SELECT *
FROM ({{job_cost_by_job}})
ORDER BY gpu_hours DESC, job_id
