-- slop_first_creator_impressions.sql as the day tables keep it: the first
-- impression of each user and creator falling in the period, read from the
-- state kept between builds (day_state_first_creator.sql, day-table-state.ts)
-- instead of grouping all history, which does not fit the embedded memory cap
-- at 100 M impressions.
SELECT first_id FROM day_state_first_creator FINAL
WHERE first_ts >= toDateTime64({from:Date}, 3, 'UTC') AND first_ts < toDateTime64({to:Date}, 3, 'UTC')
