-- Base rows: human impressions (is_internal excluded) per UTC day and dimension
-- values, plan included (the viewer's plan at the start of the UTC day, see
-- user_day_plan), with the sums every engagement rate and its interval needs
-- (definitions in impression_user_days.sql):
--   positive actions = liked + shared + commented + followed (per impression 0..4)
--   negative actions = not_interested + reported             (per impression 0..2)
--   rapid skip       = watched < 2 s or < 10 % of the video's duration
--   late night       = started between 00:00 and 05:00 viewer local time
--                      (ts + tz_offset_min); impressions without an offset are
--                      left out of both sides of late_night_share
-- The *_sq columns are sums of squares for the ratio-estimator (delta method)
-- intervals: with y = x·flag, Σy² = Σxy = Σx²·flag.
-- Read from the per-user-day rollup (the plan is looked up once per user-day
-- rather than per impression), or from impressions when forced raw.
SELECT
	day,
	rec_arm,
	feed_mode,
	country,
	platform,
	surface,
	{{user_day_plan}},
	sum(ud.imps) AS imps,
	sum(ud.watch_ms_sum) / 3600000 AS watch_h,
	sum(ud.watch_sq) AS watch_sq,
	sum(ud.pos) AS pos,
	sum(ud.pos_sq) AS pos_sq,
	sum(ud.neg) AS neg,
	sum(ud.neg_sq) AS neg_sq,
	sum(ud.skips) AS skips,
	sum(ud.tz_ms) / 3600000 AS tz_h,
	sum(ud.tz_sq) AS tz_sq,
	sum(ud.late_ms) / 3600000 AS late_h,
	sum(ud.late_sq) AS late_sq,
	sum(ud.auto_ms) / 3600000 AS auto_h,
	sum(ud.auto_sq) AS auto_sq
FROM (
	SELECT * FROM ({{rollup:impression_user_days}})
	WHERE day >= {from:Date} AND day < {to:Date}
) AS ud
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan
