-- Column fragment, not a query: the dimension values of one impression row of
-- `impressions` (needs the engagement_user_plans join as `up` for plan_intervals),
-- written once for every engagement base file.
--   plan = the viewer's plan when the impression started (no paid stretch = free)
toString(rec_arm) AS rec_arm,
toString(feed_mode) AS feed_mode,
toString(country) AS country,
toString(platform) AS platform,
toString(surface) AS surface,
ifNull(nullIf(arrayFirst(p -> p.1 <= ts AND ts < p.2, plan_intervals).3, ''), 'free') AS plan
