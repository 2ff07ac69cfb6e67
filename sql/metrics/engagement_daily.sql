-- Base rows: human impressions (is_internal excluded) per UTC day and dimension
-- values (plan: the viewer's plan at the start of the UTC day, see engagement_impression_dims), with the sums every engagement rate and its interval needs.
--   positive actions = liked + shared + commented + followed (per impression 0..4)
--   negative actions = not_interested + reported             (per impression 0..2)
--   rapid skip       = watched < 2 s or < 10 % of the video's duration
--   late night       = started between 00:00 and 05:00 viewer local time
--                      (ts + tz_offset_min); impressions without an offset are
--                      left out of both sides of late_night_share
-- The *_sq columns are sums of squares for the ratio-estimator (delta method)
-- intervals: with y = x·flag, Σy² = Σxy = Σx²·flag.
SELECT
	toDate(ts) AS day,
	{{engagement_impression_dims}},
	count() AS imps,
	sum(watch_ms) / 3600000 AS watch_h,
	sum(pow(watch_ms / 3600000, 2)) AS watch_sq,
	sum(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed)) AS pos,
	sum(pow(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed), 2)) AS pos_sq,
	sum(toUInt8(not_interested) + toUInt8(reported)) AS neg,
	sum(pow(toUInt8(not_interested) + toUInt8(reported), 2)) AS neg_sq,
	countIf(watch_ms < 2000 OR watch_ms * 10 < video_duration_ms) AS skips,
	sumIf(watch_ms, tz_offset_min IS NOT NULL) / 3600000 AS tz_h,
	sumIf(pow(watch_ms / 3600000, 2), tz_offset_min IS NOT NULL) AS tz_sq,
	sumIf(watch_ms, toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) / 3600000 AS late_h,
	sumIf(pow(watch_ms / 3600000, 2), toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_sq,
	sumIf(watch_ms, autoplay) / 3600000 AS auto_h,
	sumIf(pow(watch_ms / 3600000, 2), autoplay) AS auto_sq
FROM impressions
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date}, 3, 'UTC')
	AND ts < toDateTime64({to:Date}, 3, 'UTC')
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan
