-- Rollup source for watch_hours (impression_watch.sql): human watch-hours per
-- day and impression dimensions from impressions_daily (migration 0050).
-- watch-hours = Σ watch_ms / 3 600 000.
SELECT
	day,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	sum(watch_ms_sum) / 3600000 AS watch_hours
FROM impressions_daily
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY day, rec_arm, feed_mode, country, platform, surface
