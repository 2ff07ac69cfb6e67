-- Relation last_impression_day from impressions_daily (migration 0050), which
-- holds one row per day with human impressions.
SELECT max(day) AS day FROM impressions_daily
