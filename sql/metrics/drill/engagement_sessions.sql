-- Human sessions starting in [from, to), longest first: the rows behind
-- sessions and long_session_share.
SELECT day, user_id, session_id, rec_arm, feed_mode, country, platform, surface, plan, imps AS impressions, watch_h AS watch_hours, duration_min
FROM ({{engagement_sessions}})
WHERE day >= {from:Date} AND day < {to:Date}
ORDER BY duration_min DESC, session_id
LIMIT {limit:UInt32}
