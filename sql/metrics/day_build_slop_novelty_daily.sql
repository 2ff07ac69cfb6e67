-- slop_novelty_daily.sql as its day table computes it (day-tables.ts): the same
-- rows, with "new creator" read from the kept first impression of each user and
-- creator (day_state_first_creator_ids.sql). tests/integration/day-tables.test.ts
-- compares this day table with the file.
{{slop_novelty_daily(slop_first_creator_impressions=day_state_first_creator_ids)}}
