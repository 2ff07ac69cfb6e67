-- Base rows: one per human session, on the UTC day of its first impression,
-- carrying the arm, mode, country, platform and surface of that first impression.
-- duration = end of the last impression (ts + watch_ms) − start of the first.
-- Impressions up to one day either side of the period are read so a session
-- crossing midnight (or the period edge) is whole; sessions are assumed to last
-- less than 24 h.
SELECT
	toDate(min(ts)) AS day,
	user_id,
	session_id,
	toString(argMin(rec_arm, ts)) AS rec_arm,
	toString(argMin(feed_mode, ts)) AS feed_mode,
	toString(argMin(country, ts)) AS country,
	toString(argMin(platform, ts)) AS platform,
	toString(argMin(surface, ts)) AS surface,
	argMin(ifNull(nullIf(arrayFirst(p -> p.1 <= toDateTime64(toDate(ts), 3, 'UTC') AND toDateTime64(toDate(ts), 3, 'UTC') < p.2, plan_intervals).3, ''), 'free'), ts) AS plan,
	count() AS imps,
	sum(watch_ms) / 3600000 AS watch_h,
	(max(toUnixTimestamp64Milli(ts) + watch_ms) - min(toUnixTimestamp64Milli(ts))) / 60000 AS duration_min
FROM impressions
LEFT JOIN ({{engagement_user_plans}}) AS up USING (user_id)
WHERE NOT is_internal
	AND ts >= toDateTime64({from:Date} - 1, 3, 'UTC')
	AND ts < toDateTime64({to:Date} + 1, 3, 'UTC')
GROUP BY user_id, session_id
