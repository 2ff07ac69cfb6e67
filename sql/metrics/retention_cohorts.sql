-- The users of the retention cohorts and their cohort week, by {cohort_by:String}
-- (docs/product.md "Retention of any metric"); shared by retention_cohort_weeks.sql
-- and its drill-down, so the triangle and the rows behind it are the same users.
-- Rows: user_id, cohort_start (Monday, UTC), country, signup_at, first_paid_at
-- (the first payment, or NULL when none).
--   signup_week      users who signed up in [from, to);
--   first_paid_week  users whose first payment was in [from, to): the earliest
--                    Stripe invoice with status paid whose lines net of
--                    discounts and included tax come to more than 0 (a $0
--                    trial or a 100 % coupon is not a payment), at its paid_at,
--                    else its earliest line start. Customers map to users as
--                    revenue does (stripe_customer_users); only customers with
--                    a users row count.
-- Internal accounts are excluded; the latest users row wins.
WITH first_paid AS (
	SELECT cu.user_id AS user_id, min(inv.paid_on) AS first_paid_at
	FROM (
		SELECT invoice_id, any(customer_id) AS customer_id, ifNull(min(paid_at), min(period_start)) AS paid_on
		FROM stripe_lines_current
		WHERE invoice_status = 'paid' AND {cohort_by:String} = 'first_paid_week'
		GROUP BY invoice_id
		HAVING sum(net) > 0
	) AS inv
	INNER JOIN stripe_customer_users AS cu ON cu.customer_id = inv.customer_id
	GROUP BY user_id
)
SELECT user_id, toMonday(toDate(cohort_at)) AS cohort_start, country, signup_at, first_paid_at
FROM (
	SELECT u.user_id AS user_id, toString(u.country) AS country, u.signup_at AS signup_at,
		if(fp.user_id != '', toNullable(fp.first_paid_at), NULL) AS first_paid_at,
		if({cohort_by:String} = 'first_paid_week', fp.first_paid_at, u.signup_at) AS cohort_at
	FROM (SELECT user_id, signup_at, country FROM users FINAL WHERE NOT is_internal) AS u
	LEFT JOIN first_paid AS fp ON fp.user_id = u.user_id
	WHERE {cohort_by:String} = 'signup_week' OR fp.user_id != ''
)
WHERE cohort_at >= toDateTime64({from:Date}, 3, 'UTC')
	AND cohort_at < toDateTime64({to:Date}, 3, 'UTC')
