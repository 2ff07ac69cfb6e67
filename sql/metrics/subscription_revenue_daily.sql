-- subscription_revenue_daily: recognized subscription revenue per user, plan and day.
--
-- GUARANTEES (others build revenue, arpu, margin_per_gpu_hour, gross_margin on it
-- via {{include subscription_revenue_daily}}):
-- * Rows (day Date, user_id String, plan String, amount_usd Decimal(18, 2),
--   component String, currency String, amount_original Decimal(38, 3)).
--   Σ amount_usd over any set of days is exact to the cent.
-- * What is recognized, when, and at which rate: stripe_recognized_days.sql
--   (paid invoice lines spread over their service period by the millisecond,
--   net of discounts and excluding tax; credit notes and refunds subtracted on
--   their day; each amount in another currency converted at its day's
--   fx_rates rate and rounded to the cent; a missing rate stops the query).
-- * component: 'invoice_line', 'credit_note' or 'refund'. currency (upper
--   case) and amount_original (in units of that currency) say what was billed.
-- * user_id as in stripe_customer_users (users.stripe_customer_id, then customer
--   metadata user_id, else 'stripe:<customer id>').
-- * Rows only for days in [{from:Date}, {to:Date}).
SELECT
	r.day AS day,
	if(cu.user_id != '', cu.user_id, concat('stripe:', r.customer_id)) AS user_id,
	r.plan AS plan,
	r.amount_usd AS amount_usd,
	r.component AS component,
	upper(r.currency) AS currency,
	toDecimal128(r.amount_minor, 3) / if(r.currency = 'usd', 100, greatest(fx.minor_per_unit, 1)) AS amount_original
FROM (
	SELECT day, customer_id, plan, component, currency, sum(amount_minor) AS amount_minor, sum(amount_usd) AS amount_usd
	FROM ({{stripe_recognized_days}})
	GROUP BY day, customer_id, plan, component, currency
) AS r
LEFT JOIN stripe_customer_users AS cu ON cu.customer_id = r.customer_id
LEFT JOIN (SELECT currency, day, minor_per_unit FROM fx_rates_current) AS fx
	ON fx.currency = r.currency AND fx.day = r.day
