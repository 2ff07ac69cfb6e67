-- Rows behind mrr: each customer's MRR by plan at the end of the period's last
-- day, in the customer's currency (mrr_original) and in USD at that day's
-- fx_rates rate. Σ mrr_usd = mrr for grain total.
SELECT customer_id, user_id, plan, currency, mrr_original, mrr_usd
FROM ({{mrr_daily}})
WHERE day = {to:Date} - 1
ORDER BY mrr_usd DESC, customer_id, plan
