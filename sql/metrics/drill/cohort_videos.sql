-- Rows behind attention-to-compute by creation cohort: generated videos created
-- in the period with the watch-hours they earned within 7 days and the
-- GPU-hours of their whole generation request (failed attempts included).
SELECT day AS created_day, video_id, creator_kind, watch_7d_h AS watch_hours_7d, request_gpu_h AS request_gpu_hours,
	watch_7d_h / nullIf(request_gpu_h, 0) AS attention_to_compute
FROM ({{attention_cohort_videos}})
ORDER BY created_day, video_id
