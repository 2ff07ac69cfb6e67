-- Retention of additive per-user metrics by cohort week (docs/metrics.md "Retention
-- of a metric"; docs/product.md). The cohorts (signup week or first-paid week, by
-- {cohort_by:String}) are retention_cohorts.sql.
-- Week k = the k-th whole week
-- from the cohort's Monday (week 0 = the cohort week; activity before it does
-- not count). For each cohort,
-- country and week: the cohort's size, how many of its users were active (a
-- human impression that week), and the sums over its users of
--   watch_h      human watch-hours;
--   generations  their own generation requests (purpose user; a request that
--                took several jobs counts once, on its first day);
--   revenue      subscription revenue + ad revenue allocated to them (revenue_daily);
--   cost         compute cost of their own generation jobs (job_cost).
-- Only activity inside the period counts, and a week is reported once observed
-- whole: its Sunday is before `to` and not after the last day with data.
WITH
	cohort AS ({{retention_cohorts}}),
	jobs AS (SELECT day, user_id, request_id, cost_usd FROM ({{job_cost}}) WHERE purpose = 'user' AND user_id != ''),
	acts AS (
		SELECT user_id, day, sum(watch_ms_sum) / 3600000 AS watch_h, toUInt64(0) AS generations, toFloat64(0) AS revenue, toFloat64(0) AS cost, 1 AS active
		FROM ({{rollup:impression_user_days}})
		WHERE day >= {from:Date} AND day < {to:Date}
		GROUP BY user_id, day
		UNION ALL
		SELECT user_id, min(day), 0, 1, 0, 0, 0 FROM jobs GROUP BY user_id, request_id
		UNION ALL
		SELECT user_id, day, 0, 0, 0, sum(cost_usd), 0 FROM jobs GROUP BY user_id, day
		UNION ALL
		SELECT user_id, day, 0, 0, sum(revenue_usd), 0, 0 FROM ({{revenue_daily}}) WHERE user_id != '' GROUP BY user_id, day
	),
	horizon AS (SELECT least({to:Date}, (SELECT day FROM ({{rollup:last_impression_day}})) + 1) AS end_day)
SELECT
	toString(s.cohort_start) AS cohort,
	s.country AS country,
	s.week AS week,
	s.users AS users,
	ifNull(a.active, 0) AS active,
	ifNull(a.watch_h, 0) AS watch_h,
	ifNull(a.generations, 0) AS generations,
	ifNull(a.revenue, 0) AS revenue,
	ifNull(a.cost, 0) AS cost
FROM (
	SELECT cohort_start, country, users, week
	FROM (SELECT cohort_start, country, count() AS users FROM cohort GROUP BY cohort_start, country)
	ARRAY JOIN range(toUInt32(greatest(0, intDiv(dateDiff('day', cohort_start, (SELECT end_day FROM horizon)), 7)))) AS week
) AS s
LEFT JOIN (
	SELECT c.cohort_start AS cohort_start, c.country AS country,
		toUInt32(intDiv(dateDiff('day', c.cohort_start, x.day), 7)) AS week,
		uniqExactIf(x.user_id, x.active = 1) AS active,
		sum(x.watch_h) AS watch_h, sum(x.generations) AS generations, sum(x.revenue) AS revenue, sum(x.cost) AS cost
	FROM acts AS x
	INNER JOIN cohort AS c ON c.user_id = x.user_id
	WHERE x.day >= c.cohort_start
	GROUP BY cohort_start, country, week
) AS a ON a.cohort_start = s.cohort_start AND a.country = s.country AND a.week = s.week
