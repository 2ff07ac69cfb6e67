-- Column fragment, not a query: the dimension values of one impression row of
-- `impressions` (needs the engagement_user_plans join as `up` for plan_intervals),
-- written once for every engagement base file.
--   plan = the viewer's plan at the start of the impression's UTC day (no paid
--          stretch = free): one plan per user-day, the rule plan_user_days
--          (ARPU's denominator) uses, so per-user-day rollups carry it exactly
toString(rec_arm) AS rec_arm,
toString(feed_mode) AS feed_mode,
toString(country) AS country,
toString(platform) AS platform,
toString(surface) AS surface,
ifNull(nullIf(arrayFirst(p -> p.1 <= toDateTime64(toDate(ts), 3, 'UTC') AND toDateTime64(toDate(ts), 3, 'UTC') < p.2, plan_intervals).3, ''), 'free') AS plan
