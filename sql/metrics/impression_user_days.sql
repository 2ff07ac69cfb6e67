-- Relation (included as rollup:impression_user_days): human impressions
-- (is_internal excluded) summed per UTC day, user and impression dimensions.
-- This is the raw-table form; rollup_impression_user_days.sql reads the same
-- sums from impressions_user_daily (migration 0052). A key may repeat (the
-- rollup's unmerged parts): readers sum, or count distinct, never count rows.
--   pos = liked + shared + commented + followed; neg = not_interested + reported
--   skips = watched < 2 s or < 10 % of the video's duration
--   late = started 00:00–05:00 viewer local time; tz_* only impressions with an offset
--   *_sq = sums of squares for the ratio-estimator intervals (hours², counts²)
-- Readers filter on `day` right outside it: the filter reaches the table's
-- primary key (toDate(ts), user_id, …) through the GROUP BY.
SELECT
	toDate(ts) AS day,
	user_id,
	toString(rec_arm) AS rec_arm,
	toString(feed_mode) AS feed_mode,
	toString(country) AS country,
	toString(platform) AS platform,
	toString(surface) AS surface,
	count() AS imps,
	sum(watch_ms) AS watch_ms_sum,
	sum(pow(watch_ms / 3600000, 2)) AS watch_sq,
	sum(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed)) AS pos,
	sum(pow(toUInt8(liked) + toUInt8(shared) + toUInt8(commented) + toUInt8(followed), 2)) AS pos_sq,
	sum(toUInt8(not_interested) + toUInt8(reported)) AS neg,
	sum(pow(toUInt8(not_interested) + toUInt8(reported), 2)) AS neg_sq,
	countIf(watch_ms < 2000 OR watch_ms * 10 < video_duration_ms) AS skips,
	sumIf(watch_ms, tz_offset_min IS NOT NULL) AS tz_ms,
	sumIf(pow(watch_ms / 3600000, 2), tz_offset_min IS NOT NULL) AS tz_sq,
	sumIf(watch_ms, toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_ms,
	sumIf(pow(watch_ms / 3600000, 2), toHour(addMinutes(ts, ifNull(tz_offset_min, 0))) < 5 AND tz_offset_min IS NOT NULL) AS late_sq,
	sumIf(watch_ms, autoplay) AS auto_ms,
	sumIf(pow(watch_ms / 3600000, 2), autoplay) AS auto_sq
FROM impressions
WHERE NOT is_internal
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface
