-- Human user-days in [from, to) with whether the user came back within 7 days:
-- the rows behind return_rate, active users and divergence.
SELECT day, user_id, rec_arm, feed_mode, country, platform, surface, plan, imps AS impressions, watch_h AS watch_hours, returned, complete
FROM ({{engagement_user_days}})
ORDER BY day, user_id
LIMIT {limit:UInt32}
