-- Relation (included as rollup:last_impression_day): the last UTC day
-- with a human impression (is_internal excluded), in a column `day`. Raw-table
-- form; rollup_last_impression_day.sql reads it from impressions_daily.
SELECT max(toDate(ts)) AS day FROM impressions WHERE NOT is_internal
