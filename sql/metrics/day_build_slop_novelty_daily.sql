-- slop_novelty_daily.sql as its day table computes it (day-tables.ts): the same
-- rows, with "new creator" read from the kept first impression of each user and
-- creator (day_state_first_creator.sql, day-table-state.ts) instead of grouping
-- all history before the period's end, which does not fit the embedded
-- memory cap at 100 M impressions. Keep the two files in step:
-- tests/integration/day-tables.test.ts compares this day table with the file.
SELECT
	day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind,
	count() AS imps,
	countIf(fresh) AS fresh_n,
	countIf(new_creator) AS new_creator_n,
	countIf(fresh AND new_creator) AS novel_n
FROM (
	SELECT *,
		ts >= created_at AND ts < created_at + INTERVAL 24 HOUR AS fresh,
		impression_id IN (
			SELECT first_id FROM day_state_first_creator FINAL
			WHERE first_ts >= toDateTime64({from:Date}, 3, 'UTC') AND first_ts < toDateTime64({to:Date}, 3, 'UTC')
		) AS new_creator
	FROM ({{slop_impression_videos}})
)
GROUP BY day, rec_arm, feed_mode, country, platform, surface, plan, creator_kind
