-- Base rows of the per-arm economics (docs/metrics.md "Per-arm economics"), per UTC
-- day and user, one `part` each:
--   impressions  watch-hours by the arm (rec_arm, feed_mode) of the impressions;
--   ads          the user's allocated ad revenue of the day (ad_revenue_users),
--                split over the arms they saw that day pro rata to impressions;
--   prefill      feed pre-generation jobs' cost and GPU-hours per video (job_cost,
--                purpose feed_prefill), charged to each user and arm pro rata to
--                that video's human impressions in the period; prefill of videos
--                nobody watched in the period is charged to no arm;
--   user         subscription revenue and the user's own generation jobs (purpose
--                user); no arm here: the readout gives them to the user's arm for
--                the period (the arm of most of their impressions).
-- Money in USD, time in hours.
WITH
	jobs AS (SELECT day, purpose, user_id, video_id, cost_usd, gpu_hours FROM ({{job_cost}})),
	views AS (
		SELECT day, user_id, rec_arm, feed_mode, sum(imps) AS imps, sum(watch_ms_sum) / 3600000 AS watch_h
		FROM ({{rollup:impression_user_days}})
		WHERE day >= {from:Date} AND day < {to:Date}
		GROUP BY day, user_id, rec_arm, feed_mode
	)
SELECT day, user_id, rec_arm, feed_mode, 'impressions' AS part, imps, watch_h,
	toFloat64(0) AS ads, toFloat64(0) AS subscription, toFloat64(0) AS cost, toFloat64(0) AS gpu_h
FROM views
UNION ALL
SELECT a.day, a.user_id, v.rec_arm, v.feed_mode, 'ads', 0, 0, a.revenue_usd * v.imps / v.day_imps, 0, 0, 0
FROM ({{ad_revenue_users}}) AS a
INNER JOIN (SELECT *, sum(imps) OVER (PARTITION BY day, user_id) AS day_imps FROM views) AS v ON v.day = a.day AND v.user_id = a.user_id
UNION ALL
SELECT v.day, v.user_id, v.rec_arm, v.feed_mode, 'prefill', 0, 0, 0, 0, p.cost * v.n / v.video_n, p.gpu_h * v.n / v.video_n
FROM (
	SELECT video_id, sum(cost_usd) AS cost, sum(gpu_hours) AS gpu_h FROM jobs WHERE purpose = 'feed_prefill' AND video_id != '' GROUP BY video_id
) AS p
INNER JOIN (
	SELECT *, sum(n) OVER (PARTITION BY video_id) AS video_n
	FROM (
		SELECT toDate(ts) AS day, user_id, toString(rec_arm) AS rec_arm, toString(feed_mode) AS feed_mode, video_id, count() AS n
		FROM impressions
		WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') AND ts < toDateTime64({to:Date}, 3, 'UTC')
		GROUP BY day, user_id, rec_arm, feed_mode, video_id
	)
) AS v ON v.video_id = p.video_id
UNION ALL
SELECT day, toString(user_id), '', '', 'user', 0, 0, 0, toFloat64(amount_usd), 0, 0
FROM ({{subscription_revenue_daily}})
WHERE day >= {from:Date} AND day < {to:Date}
UNION ALL
SELECT day, user_id, '', '', 'user', 0, 0, 0, 0, cost_usd, gpu_hours
FROM jobs
WHERE purpose = 'user' AND user_id != ''
