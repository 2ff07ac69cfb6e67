-- Each paying user's plan stretches (Stripe engineer's user_plan_intervals view:
-- half-open [valid_from, valid_to), no row = 'free'), as one sorted array per
-- user so a row finds the plan at the start of its UTC day with one lookup
-- (engagement_impression_dims).
-- A user paying two plans at once gets the one whose stretch started first.
SELECT user_id, arraySort(p -> p.1, groupArray((valid_from, valid_to, plan))) AS plan_intervals
FROM user_plan_intervals
GROUP BY user_id
