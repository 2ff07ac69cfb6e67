-- Rollup source for the metrics of engagement_daily.sql when the request needs
-- no `plan`: the same columns, from impressions_daily (migration 0050), which
-- holds the same sums per day and impression dimensions. Same definitions:
--   positive = liked + shared + commented + followed; negative = not_interested + reported;
--   rapid skip = watched < 2 s or < 10 % of the duration; late night = 00:00–05:00
--   viewer local time, impressions without an offset left out of both sides.
SELECT
	day,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	sum(impressions) AS imps,
	sum(watch_ms_sum) / 3600000 AS watch_h,
	sum(watch_sq) AS watch_sq,
	sum(positive) AS pos,
	sum(positive_sq) AS pos_sq,
	sum(negative) AS neg,
	sum(negative_sq) AS neg_sq,
	sum(rapid_skips) AS skips,
	sum(tz_watch_ms) / 3600000 AS tz_h,
	sum(tz_watch_sq) AS tz_sq,
	sum(late_watch_ms) / 3600000 AS late_h,
	sum(late_watch_sq) AS late_sq,
	sum(autoplay_watch_ms) / 3600000 AS auto_h,
	sum(autoplay_watch_sq) AS auto_sq
FROM impressions_daily
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY day, rec_arm, feed_mode, country, platform, surface
