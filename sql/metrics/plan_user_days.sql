-- Base rows: one per user and UTC day they had an account (signed up before the
-- day ended; internal accounts excluded; latest users row wins), with their plan
-- at the start of that day (user_plan_intervals; none = 'free'). The
-- denominator of ARPU and compute cost per user.
WITH accounts AS (
	SELECT user_id, argMax(signup_at, ingested_at) AS signup_at, argMax(is_internal, ingested_at) AS internal
	FROM users
	GROUP BY user_id
	HAVING NOT internal AND toDate(signup_at) < {to:Date}
)
SELECT
	a.day AS day,
	a.user_id AS user_id,
	if(p.valid_to > a.day_start AND p.plan != '', toString(p.plan), 'free') AS plan
FROM (
	SELECT user_id, d AS day, toDateTime64(d, 3, 'UTC') AS day_start
	FROM accounts
	ARRAY JOIN arrayMap(i -> greatest(toDate(signup_at), {from:Date}) + i,
		range(toUInt32(greatest(0, dateDiff('day', greatest(toDate(signup_at), {from:Date}), {to:Date}))))) AS d
) AS a
ASOF LEFT JOIN (
	SELECT user_id, toString(plan) AS plan, valid_from, valid_to FROM user_plan_intervals
) AS p ON a.user_id = p.user_id AND a.day_start >= p.valid_from
