-- Rows behind mrr_movements: every customer-day whose MRR changed in the
-- period, with its movement. Σ delta = the period's net movement.
SELECT day, user_id, customer_id, movement, prev_plan, cur_plan, prev_mrr, cur_mrr, delta
FROM ({{mrr_customer_changes}})
WHERE delta != 0
ORDER BY day, customer_id
