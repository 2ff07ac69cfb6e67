-- Retention by signup week. Cohort = Monday of the user's signup week (UTC);
-- week k = activity in the k-th whole week after that Monday (week 0 = the
-- signup week itself). Users flagged is_internal are left out; activity is any
-- human impression. A week is reported only once it has been observed whole
-- (its Sunday is not after the last day with data). Latest users row wins.
SELECT
	toString(c.cohort_start) AS cohort,
	c.country AS country,
	c.week AS week,
	c.users AS users,
	ifNull(a.active, 0) AS active
FROM (
	SELECT cohort_start, country, users, week
	FROM (
		SELECT toMonday(toDate(signup_at)) AS cohort_start, toString(country) AS country, uniqExact(user_id) AS users
		FROM users FINAL
		WHERE NOT is_internal
			AND signup_at >= toDateTime64({from:Date}, 3, 'UTC')
			AND signup_at < toDateTime64({to:Date}, 3, 'UTC')
		GROUP BY cohort_start, country
	)
	ARRAY JOIN range(toUInt32(greatest(0, intDiv(dateDiff('day', cohort_start, (SELECT day FROM ({{rollup:last_impression_day}}))) + 1, 7)))) AS week
) AS c
LEFT JOIN (
	SELECT
		toMonday(toDate(u.signup_at)) AS cohort_start,
		toString(u.country) AS country,
		toUInt32(intDiv(dateDiff('day', toMonday(toDate(u.signup_at)), i.day), 7)) AS week,
		uniqExact(i.user_id) AS active
	FROM ({{rollup:impression_user_days}}) AS i
	INNER JOIN (
		SELECT user_id, signup_at, country FROM users FINAL
		WHERE NOT is_internal
			AND signup_at >= toDateTime64({from:Date}, 3, 'UTC')
			AND signup_at < toDateTime64({to:Date}, 3, 'UTC')
	) AS u ON u.user_id = i.user_id
	WHERE i.day >= {from:Date} - 7
		AND i.day >= toMonday(toDate(u.signup_at))
	GROUP BY cohort_start, country, week
) AS a ON a.cohort_start = c.cohort_start AND a.country = c.country AND a.week = c.week
