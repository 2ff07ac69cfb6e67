-- Column fragment, not a query: the plan of a row that has a `day` and the
-- engagement_user_plans join as `up`: the user's plan at the start of that UTC
-- day (no paid stretch = free), the same as engagement_impression_dims gives
-- each impression of the day.
ifNull(nullIf(arrayFirst(p -> p.1 <= toDateTime64(day, 3, 'UTC') AND toDateTime64(day, 3, 'UTC') < p.2, plan_intervals).3, ''), 'free') AS plan
