-- Rows behind subscription_revenue: per user, plan and component (invoice
-- lines, credit notes, refunds) in the period. Σ amount_usd = subscription_revenue.
SELECT user_id, plan, component, sum(amount_usd) AS amount_usd, min(day) AS first_day, max(day) AS last_day
FROM ({{subscription_revenue_daily}})
WHERE day >= {from:Date} AND day < {to:Date}
GROUP BY user_id, plan, component
ORDER BY amount_usd DESC, user_id, plan, component
