-- Base rows of slop_video_mix.sql (same columns and rules) for requests that
-- need no dimension but rec_arm, feed_mode and creator_kind: summed from
-- impressions per day and video (slop_video_day_facts) instead of one row per
-- impression.
-- Cameo consent counts at the impression's time. A video whose consent did not
-- change on a day is under one state all that day (the one in force at 00:00
-- UTC), so its day's impressions count whole; on a day its consent changed
-- (rare), its impressions are read one by one from `impressions` instead, the
-- day row then adding 0 cameo impressions.
WITH changed AS (
	SELECT video_id, toDate(s.1) AS day
	FROM ({{slop_videos}})
	ARRAY JOIN consent_spans AS s
	WHERE has_cameo AND s.1 >= toDateTime64({from:Date}, 3, 'UTC') AND s.1 < toDateTime64({to:Date}, 3, 'UTC')
)
SELECT
	day, rec_arm, feed_mode, creator_kind,
	sum(n) AS imps,
	sum(cameo) AS cameo_n,
	sumIf(n, copyright_flag) AS copyright_n
FROM (
	SELECT
		day, rec_arm, feed_mode, creator_kind, n, copyright_flag,
		if(has_cameo AND NOT arrayExists(s -> toDate(s.1) = day, consent_spans)
			AND NOT arrayLast(s -> s.1 <= toDateTime64(day, 3, 'UTC'), consent_spans).2, n, 0) AS cameo
	FROM ({{slop_video_day_facts}})
	UNION ALL
	SELECT
		toDate(i.ts) AS day, toString(i.rec_arm) AS rec_arm, toString(i.feed_mode) AS feed_mode, v.creator_kind AS creator_kind,
		0 AS n, false AS copyright_flag,
		countIf(NOT arrayLast(s -> s.1 <= i.ts, v.consent_spans).2) AS cameo
	FROM impressions AS i
	INNER JOIN (SELECT video_id, creator_kind, consent_spans FROM ({{slop_videos}}) WHERE video_id IN (SELECT video_id FROM changed)) AS v ON v.video_id = i.video_id
	WHERE NOT i.is_internal
		AND i.ts >= toDateTime64({from:Date}, 3, 'UTC') AND i.ts < toDateTime64({to:Date}, 3, 'UTC')
		AND (toDate(i.ts), i.video_id) IN (SELECT day, video_id FROM changed)
	GROUP BY day, rec_arm, feed_mode, creator_kind
)
GROUP BY day, rec_arm, feed_mode, creator_kind
