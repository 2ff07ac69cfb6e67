-- Rows behind subscription_revenue: per user, plan, component (invoice
-- lines, credit notes, refunds) and currency in the period, with the amount
-- billed in that currency beside its USD value (each day at that day's
-- fx_rates rate). Σ amount_usd = subscription_revenue.
SELECT user_id, plan, component, currency, sum(amount_original) AS amount_original, sum(amount_usd) AS amount_usd, min(day) AS first_day, max(day) AS last_day
FROM ({{subscription_revenue_daily}})
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY user_id, plan, component, currency
ORDER BY amount_usd DESC, user_id, plan, component, currency
