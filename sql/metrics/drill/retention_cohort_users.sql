-- Rows behind the retention-of-a-metric triangle: each cohort user (signup or
-- first-paid week, by {cohort_by:String}; retention_cohorts.sql) with the weeks
-- since the cohort week in which they were active (a human impression in the period).
SELECT
	c.user_id AS user_id,
	toString(c.cohort_start) AS cohort,
	toString(c.signup_at) AS signup_at,
	ifNull(toString(c.first_paid_at), '') AS first_paid_at,
	c.country AS country,
	arraySort(groupUniqArrayIf(toUInt32(intDiv(dateDiff('day', c.cohort_start, toDate(i.ts)), 7)), i.user_id != '' AND toDate(i.ts) >= c.cohort_start)) AS active_weeks
FROM ({{retention_cohorts}}) AS c
LEFT JOIN (SELECT user_id, ts FROM impressions WHERE NOT is_internal AND ts >= toDateTime64({from:Date}, 3, 'UTC') AND ts < toDateTime64({to:Date}, 3, 'UTC')) AS i ON i.user_id = c.user_id
GROUP BY user_id, cohort, signup_at, first_paid_at, country
ORDER BY cohort, user_id
LIMIT {limit:UInt32}
