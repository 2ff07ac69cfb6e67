/**
 * A deterministic data set for the source tables of sql/migrations/0001,
 * written straight with INSERT … SELECT FROM numbers(). The cluster and rollup
 * tests compare two ways of computing the same metric on the same rows, so the
 * rows only need to be varied (every dimension value, days crossing midnight,
 * internal traffic, owned and rented fleet), not realistic. The bench uses the
 * same generator, scaled up, only when asked to (`--synthetic`): its figures
 * are for the query engine, not for the demo's story.
 *
 * Default period: 2026-10-01 .. 2026-11-05 (35 days).
 */
export const FIXTURE_PERIOD = { from: '2026-10-01', to: '2026-11-05' } as const;

export interface SyntheticSize {
	impressions?: number;
	users?: number;
	videos?: number;
	jobs?: number;
	days?: number;
	/** First impression number: a second batch with an offset adds new rows, the same offset repeats rows. */
	offset?: number;
	runId?: string;
}

/** INSERT statements; `db` is the database whose tables receive the rows. */
export function fixtureInserts(db: string, opts: SyntheticSize = {}): string[] {
	const n = opts.impressions ?? 20_000;
	const off = opts.offset ?? 0;
	const run = opts.runId ?? 'fixture';
	const users = opts.users ?? 300;
	const videos = opts.videos ?? 500;
	const jobs = opts.jobs ?? 1500;
	const days = opts.days ?? 35;
	const T0 = "toDateTime64('2026-10-01 00:00:00', 3, 'UTC')";
	const SPAN_S = days * 86400;
	return [
		`INSERT INTO ${db}.impressions (impression_id, ts, user_id, session_id, video_id, watch_ms, video_duration_ms, position, surface, feed_mode, rec_arm, autoplay, liked, shared, commented, followed, not_interested, reported, country, platform, tz_offset_min, is_internal, ingest_run_id)
SELECT
	concat('imp-', toString(n)),
	${T0} + toIntervalMillisecond((n * 151357) % (${SPAN_S} * 1000)),
	concat('u', toString((n * 7919) % ${users})),
	concat('u', toString((n * 7919) % ${users}), '-s', toString(intDiv(n, 40))),
	concat('v', toString((n * 31) % ${videos})),
	(n * 9973) % 60000,
	5000 + (n * 13) % 55000,
	n % 40,
	['feed', 'following', 'profile', 'search', 'share_link'][n % 5 + 1],
	['default', 'relaxed', 'energized'][intDiv(n, 3) % 3 + 1],
	['control', 'rl-v2'][intDiv(n, 7) % 2 + 1],
	n % 4 != 0, n % 11 = 0, n % 37 = 0, n % 53 = 0, n % 97 = 0, n % 41 = 0, n % 401 = 0,
	['US', 'DE', 'BR', 'IN', ''][(n * 3) % 5 + 1],
	['ios', 'android', 'web', ''][(n * 7) % 4 + 1],
	if(n % 13 = 0, NULL, [-480, 0, 60, 330][n % 4 + 1]),
	n % 97 = 3,
	'${run}'
FROM (SELECT number + ${off} AS n FROM numbers(${n}))`,
		`INSERT INTO ${db}.videos (video_id, created_at, creator_id, creator_kind, duration_ms, topic, caption, remix_of, request_id, cameo_user_ids, cameo_consent, copyright_flag, ingest_run_id)
SELECT
	concat('v', toString(n)),
	${T0} - toIntervalDay(10) + toIntervalSecond((n * 8017) % ((${days} + 10) * 86400)),
	concat('c', toString(n % 60)),
	['human', 'ai_assisted', 'ai_generated'][n % 3 + 1],
	5000 + (n * 13) % 55000,
	['cats', 'cooking', 'dance', 'news', 'sports', 'travel', 'music', 'memes', 'science', 'pets', 'art', 'comedy'][n % 12 + 1],
	-- Eight words from a 5 000-word vocabulary: captions are distinct, except every
	-- 20th video, which repeats the previous caption (a near duplicate). Captions
	-- shared by thousands of videos would make near-duplicate pairs quadratic.
	arrayStringConcat(arrayMap(i -> concat('w', toString(cityHash64(if(n % 20 = 0 AND n > 0, n - 1, n), i) % 5000)), range(8)), ' '),
	if(n % 5 = 0 AND n > 0, concat('v', toString(n - 5)), ''),
	concat('r', toString(n)),
	if(n % 9 = 0, [concat('u', toString(n % ${users}))], []),
	if(n % 9 = 0, ['granted', 'revoked'][n % 2 + 1], 'none'),
	n % 23 = 0,
	'${run}'
FROM (SELECT number AS n FROM numbers(${videos}))`,
		`INSERT INTO ${db}.generation_jobs (job_id, request_id, user_id, purpose, model, resolution, output_seconds, cluster, gpu_type, gpu_count, started_at, ended_at, status, video_id, ingest_run_id)
SELECT
	concat('j', toString(n)),
	concat('r', toString(n % ${videos})),
	if(n % 6 = 5, '', concat('u', toString(n % ${users}))),
	if(n % 6 = 5, 'feed_prefill', ['user', 'user', 'user', 'eval', 'internal'][n % 5 + 1]),
	['video-gen-2', 'video-gen-2-pro'][n % 2 + 1],
	['720p', '1080p'][intDiv(n, 2) % 2 + 1],
	(n % 20) / 2,
	if(n % 3 = 0, 'eu-h200', 'us-east-h100'),
	if(n % 3 = 0, 'H200', 'H100'),
	[1, 2, 8][n % 3 + 1],
	${T0} + toIntervalSecond((n * 2003) % ${SPAN_S}) AS started,
	started + toIntervalSecond(60 + (n * 577) % 7200),
	['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'moderated'][n % 6 + 1],
	if(n < ${videos}, concat('v', toString(n)), ''),
	'${run}'
FROM (SELECT number AS n FROM numbers(${jobs}))`,
		`INSERT INTO ${db}.gpu_fleet (cluster, gpu_type, valid_from, valid_to, gpu_count, ownership, rental_usd_per_gpu_hour, purchase_usd_per_gpu, amortization_months, power_watts, pue, usd_per_kwh, maintenance_usd_per_gpu_month, ingest_run_id) VALUES
	('us-east-h100', 'H100', '2026-09-01 00:00:00', '2026-10-20 12:00:00', 64, 'rented', 2.5, 0, 0, 0, 0, 0, 0, '${run}'),
	('us-east-h100', 'H100', '2026-10-20 12:00:00', NULL, 96, 'rented', 2.1, 0, 0, 0, 0, 0, 0, '${run}'),
	('eu-h200', 'H200', '2026-10-10 00:00:00', NULL, 128, 'owned', 0, 35000, 48, 700, 1.3, 0.12, 50, '${run}')`,
		`INSERT INTO ${db}.users (user_id, signup_at, stripe_customer_id, country, is_internal, ingest_run_id)
SELECT concat('u', toString(n)), ${T0} - toIntervalDay(60) + toIntervalSecond((n * 15551) % (90 * 86400)),
	if(n % 4 = 0, concat('cus_', toString(n)), ''), ['US', 'DE', 'BR', 'IN', ''][n % 5 + 1], n = 3, '${run}'
FROM (SELECT number AS n FROM numbers(${users}))`,
		`INSERT INTO ${db}.ad_revenue (date, country, platform, ad_impressions, revenue_usd, ingest_run_id)
SELECT toDate('2026-10-01') + d, c, p, 1000 + d * 37 + length(c) * 11, toDecimal64(12.5 + d * 0.75 + length(p), 6), '${run}'
FROM (SELECT number AS d FROM numbers(${days})) ARRAY JOIN ['US', 'DE', ''] AS c ARRAY JOIN ['ios', 'web'] AS p`
	];
}
