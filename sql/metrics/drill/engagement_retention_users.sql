-- Users who signed up in [from, to) (internal accounts excluded) with their
-- signup cohort and the weeks after it in which they were active.
SELECT
	u.user_id AS user_id,
	toString(u.signup_at) AS signup_at,
	toString(toMonday(toDate(u.signup_at))) AS cohort,
	toString(u.country) AS country,
	arraySort(groupUniqArrayIf(toUInt32(intDiv(dateDiff('day', toMonday(toDate(u.signup_at)), toDate(i.ts)), 7)), i.user_id != '')) AS active_weeks
FROM (
	SELECT user_id, signup_at, country FROM users FINAL
	WHERE NOT is_internal AND signup_at >= toDateTime64({from:Date}, 3, 'UTC') AND signup_at < toDateTime64({to:Date}, 3, 'UTC')
) AS u
LEFT JOIN (SELECT user_id, ts FROM impressions WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') - INTERVAL 7 DAY) AS i ON i.user_id = u.user_id
GROUP BY user_id, signup_at, cohort, country
ORDER BY signup_at, user_id
LIMIT {limit:UInt32}
