-- Base rows: human watch-hours (impression_watch, from its daily rollup unless
-- forced raw) beside utilized GPU-hours (job_gpu_hours, likewise)
-- of every status, per UTC day: the attention-to-compute ratio
-- is Σ watch_h / Σ gpu_h over the same period.
SELECT day, watch_hours AS watch_h, 0 AS gpu_h FROM ({{rollup:impression_watch}})
UNION ALL
SELECT day, 0 AS watch_h, gpu_hours AS gpu_h FROM ({{rollup:job_gpu_hours}})
