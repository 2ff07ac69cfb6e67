import { randomUUID } from 'node:crypto';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { clickhouseTime } from '../fields.js';
import { saveRun } from '../runs.js';
import { COUNTRIES, PLATFORM_CPM, SURFACES, SURFACE_WEIGHTS, TOPICS } from './catalog.js';
import { VideoPools, type Video } from './content.js';
import { modeAdoption, rolloutEntryDay, rolloutShare, type User } from './population.js';
import { DAY, type Story } from './scenario.js';

/**
 * Impressions for the medium and large scales (10 M, ≥ 100 M), written
 * straight into the warehouse with INSERT … SELECT FROM numbers(): writing
 * and parsing 100 M rows of files would take far longer than the benchmark
 * it feeds. Users, videos, jobs, fleet and Stripe still come from the file
 * generator and the ingest path; this SQL only replaces the engagement files
 * (and derives ad revenue from the impressions it wrote).
 *
 * The SQL draws the same distributions as engagement.ts, with counter-based
 * randomness (cityHash64(seed, session, position, salt) / 2^64), so the
 * same seed gives the same rows:
 * - sessions: day with density ∝ 1 + 2t (growth); user among those signed up
 *   by then (ids are in signup order); rl-watchtime if the user's rollout
 *   entry day has passed, with intensity I = min(1, 0.15 + days since entry / 55);
 *   feed mode as adopted by the user after the launch; start hour with a
 *   late-night (00–05 local) share of 8 % × (1 + 1.6 I), ×1.4 energized, ×0.7
 *   relaxed; length geometric with mean base × (1 + 0.2 I) × mode, or a binge
 *   of 110 + geometric(40) with probability 0.004 + 0.008 I;
 * - impressions (ARRAY JOIN range(length)): a favourite topic with probability
 *   0.5 + 0.35 I (+0.1 energized, −0.15 relaxed), else a topic by global weight;
 *   a derivative (remix / trend copy) with probability 0.08 + 0.22 I; the video
 *   from that topic's pool of the last 12 days, skewed to recent; rapid skip
 *   0.24 − 0.07 I; positive actions scaled by (1 − 0.3 I) × 0.75 for
 *   derivatives × 1.1 for favourites × mode; negatives × (1 + 0.8 I).
 * The pools (video ids per topic and day window) are helper tables
 * demo_bulk_*, read once as scalar arrays and dropped at the end.
 */

export const BULK_RUN_PREFIX = 'demo-bulk-';

export interface BulkOptions {
	seed: number;
	story: Story;
	users: User[];
	videos: Video[];
	paying: Set<string>;
	targetImpressions: number;
	onProgress?: (message: string) => void;
}

const TOPIC_WEIGHTS = TOPICS.map((t) => t.weight);

async function insertRows(table: string, rows: object[]): Promise<void> {
	for (let i = 0; i < rows.length; i += 50_000) {
		const body = rows.slice(i, i + 50_000).map((r) => JSON.stringify(r)).join('\n');
		await command(`INSERT INTO ${table} FORMAT JSONEachRow\n${body}`, { tag: `demo.bulk.${table}` });
	}
}

export async function createHelpers(opts: BulkOptions): Promise<void> {
	const { story, users, videos } = opts;
	await dropHelpers();
	await command(
		`CREATE TABLE demo_bulk_users (idx UInt32, user_id String, country String, platform String, tz Int16, base Float64, entry Int32, mode String, adopt Float64, favs Array(UInt8), internal Bool, paying Bool) ENGINE = Memory`,
		{ tag: 'demo.bulk.create' }
	);
	await command(`CREATE TABLE demo_bulk_videos (idx UInt32, video_id String, duration_ms UInt32, derivative Bool) ENGINE = Memory`, { tag: 'demo.bulk.create' });
	await command(`CREATE TABLE demo_bulk_pool (kind UInt8, pos UInt32, video_idx UInt32) ENGINE = Memory`, { tag: 'demo.bulk.create' });
	await command(`CREATE TABLE demo_bulk_windows (key UInt32, lo UInt32, hi UInt32, dlo UInt32, dhi UInt32) ENGINE = Memory`, { tag: 'demo.bulk.create' });
	await insertRows(
		'demo_bulk_users',
		users.map((u) => ({
			idx: u.index, user_id: u.id, country: u.country.code, platform: u.platform, tz: u.tz,
			base: u.engagement === 'heavy' ? 5 : u.engagement === 'regular' ? 3.6 : 3,
			entry: u.internal ? 1_000_000 : Math.min(1_000_000, rolloutEntryDay(story, u.rolloutBucket)),
			mode: u.modeChoice, adopt: u.modeAdoptBucket, favs: u.favorites, internal: u.internal, paying: opts.paying.has(u.id)
		}))
	);
	await insertRows('demo_bulk_videos', videos.map((v) => ({ idx: v.index, video_id: v.id, duration_ms: v.durationMs, derivative: v.derivative })));
	// Per topic, videos in creation order; the window of day d is [d − 12 days, d).
	const all: number[] = [];
	const derivative: number[] = [];
	const windows: object[] = [];
	for (let t = 0; t < TOPICS.length; t++) {
		const list = videos.filter((v) => v.topic === t).sort((a, b) => a.createdMs - b.createdMs || a.index - b.index);
		const allStart = all.length;
		const derStart = derivative.length;
		for (const v of list) {
			all.push(v.index);
			if (v.derivative) derivative.push(v.index);
		}
		const created = list.map((v) => v.createdMs);
		const derCreated = list.filter((v) => v.derivative).map((v) => v.createdMs);
		for (let d = 0; d < story.days; d++) {
			const from = story.startMs + (d - VideoPools.WINDOW_DAYS) * DAY;
			const to = story.startMs + d * DAY;
			windows.push({
				key: t * story.days + d,
				lo: allStart + lowerBound(created, from), hi: allStart + lowerBound(created, to),
				dlo: derStart + lowerBound(derCreated, from), dhi: derStart + lowerBound(derCreated, to)
			});
		}
	}
	await insertRows('demo_bulk_pool', [...all.map((video_idx, pos) => ({ kind: 0, pos, video_idx })), ...derivative.map((video_idx, pos) => ({ kind: 1, pos, video_idx }))]);
	await insertRows('demo_bulk_windows', windows);
}

function lowerBound(sorted: number[], x: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (sorted[mid]! < x) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export async function dropHelpers(): Promise<void> {
	for (const t of ['demo_bulk_users', 'demo_bulk_videos', 'demo_bulk_pool', 'demo_bulk_windows']) await command(`DROP TABLE IF EXISTS ${t}`, { tag: 'demo.bulk.drop' });
}

function cumulative(weights: number[]): number[] {
	const total = weights.reduce((a, b) => a + b, 0);
	let acc = 0;
	return weights.map((w) => (acc += w) / total);
}

/**
 * The INSERT … SELECT for sessions [first, first + count): see the module
 * comment for the distributions. rs(k) is the session's k-th uniform number,
 * ri(k) the impression's: expanded below to cityHash64(…, k) / 2^64.
 */
export const IMPRESSIONS_SQL = `
INSERT INTO impressions (impression_id, ts, user_id, session_id, video_id, watch_ms, video_duration_ms, position, surface, feed_mode, rec_arm,
	autoplay, liked, shared, commented, followed, not_interested, reported, country, platform, tz_offset_min, is_internal, ingest_run_id)
WITH
	(SELECT groupArray(user_id) FROM (SELECT user_id FROM demo_bulk_users ORDER BY idx)) AS U_ID,
	(SELECT groupArray(country) FROM (SELECT country FROM demo_bulk_users ORDER BY idx)) AS U_COUNTRY,
	(SELECT groupArray(platform) FROM (SELECT platform FROM demo_bulk_users ORDER BY idx)) AS U_PLATFORM,
	(SELECT groupArray(tz) FROM (SELECT tz FROM demo_bulk_users ORDER BY idx)) AS U_TZ,
	(SELECT groupArray(base) FROM (SELECT base FROM demo_bulk_users ORDER BY idx)) AS U_BASE,
	(SELECT groupArray(entry) FROM (SELECT entry FROM demo_bulk_users ORDER BY idx)) AS U_ENTRY,
	(SELECT groupArray(mode) FROM (SELECT mode FROM demo_bulk_users ORDER BY idx)) AS U_MODE,
	(SELECT groupArray(adopt) FROM (SELECT adopt FROM demo_bulk_users ORDER BY idx)) AS U_ADOPT,
	(SELECT groupArray(favs) FROM (SELECT favs FROM demo_bulk_users ORDER BY idx)) AS U_FAVS,
	(SELECT groupArray(internal) FROM (SELECT internal FROM demo_bulk_users ORDER BY idx)) AS U_INTERNAL,
	(SELECT groupArray(video_id) FROM (SELECT video_id FROM demo_bulk_videos ORDER BY idx)) AS V_ID,
	(SELECT groupArray(duration_ms) FROM (SELECT duration_ms FROM demo_bulk_videos ORDER BY idx)) AS V_DUR,
	(SELECT groupArray(derivative) FROM (SELECT derivative FROM demo_bulk_videos ORDER BY idx)) AS V_DER,
	(SELECT groupArray(video_idx) FROM (SELECT video_idx FROM demo_bulk_pool WHERE kind = 0 ORDER BY pos)) AS P_ALL,
	(SELECT groupArray(video_idx) FROM (SELECT video_idx FROM demo_bulk_pool WHERE kind = 1 ORDER BY pos)) AS P_DER,
	(SELECT groupArray(lo) FROM (SELECT lo FROM demo_bulk_windows ORDER BY key)) AS W_LO,
	(SELECT groupArray(hi) FROM (SELECT hi FROM demo_bulk_windows ORDER BY key)) AS W_HI,
	(SELECT groupArray(dlo) FROM (SELECT dlo FROM demo_bulk_windows ORDER BY key)) AS W_DLO,
	(SELECT groupArray(dhi) FROM (SELECT dhi FROM demo_bulk_windows ORDER BY key)) AS W_DHI
SELECT
	concat('b', toString(s), '-', toString(pos)) AS impression_id,
	fromUnixTimestamp64Milli(toInt64(start_ms + pos * 9000 + floor(ri(9) * 4000)), 'UTC') AS ts,
	U_ID[u + 1] AS user_id,
	concat('bs', toString(s)) AS session_id,
	V_ID[vidx + 1] AS video_id,
	toUInt32(if(skip, 250 + floor(ri(8) * 1700), greatest(2000.0, round(frac * dur)))) AS watch_ms,
	dur AS video_duration_ms,
	pos AS position,
	if(pos = 0, surface0, 'feed') AS surface,
	mode AS feed_mode,
	if(I > 0, 'rl-watchtime', 'control') AS rec_arm,
	pos > 0 AND surface = 'feed' AND ri(11) < if(binge, 0.97, 0.82 + 0.12 * I) AS autoplay,
	human AND ri(12) < 0.09 * sat AS liked,
	human AND ri(13) < 0.016 * sat AS shared,
	human AND ri(14) < 0.01 * sat AS commented,
	human AND ri(15) < 0.008 * sat AS followed,
	human AND ri(16) < 0.014 * (1 + 0.8 * I) * if(der, 1.4, 1) * if(skip, 2, 1) AS not_interested,
	human AND ri(17) < 0.0012 AS reported,
	U_COUNTRY[u + 1] AS country,
	U_PLATFORM[u + 1] AS platform,
	U_TZ[u + 1] AS tz_offset_min,
	NOT human AS is_internal,
	{run:String} AS ingest_run_id
FROM (
	SELECT
		s, day, u, I, mode, binge, start_ms, fav_p, der_p, surface0, human, pos,
		cityHash64({seed:UInt64}, s, pos) AS hpos,
		ri(1) < fav_p AS fav,
		if(fav, U_FAVS[u + 1][multiIf(ri(2) < 0.55, 1, ri(2) < 0.85, 2, 3)] + 0, arrayFirstIndex(c -> c > ri(3), {topic_cdf:Array(Float64)}) - 1) AS topic,
		topic * {days:UInt32} + day + 1 AS wkey,
		ri(4) < der_p AND W_DHI[wkey] > W_DLO[wkey] AS use_der,
		if(use_der, W_DHI[wkey] - W_DLO[wkey], W_HI[wkey] - W_LO[wkey]) AS n,
		toUInt32(if(use_der, W_DHI[wkey], W_HI[wkey]) - 1 - floor(n * ri(5) * sqrt(ri(6)))) AS p,
		if(use_der, P_DER[p + 1], P_ALL[p + 1]) AS vidx,
		V_DUR[vidx + 1] AS dur,
		V_DER[vidx + 1] AS der,
		ri(7) < if(binge, 0.08, 0.24 - 0.07 * I - if(der, 0.02, 0)) AS skip,
		if(binge, greatest(0.7 + 0.3 * ri(10), 0.25 + 0.75 * pow(ri(10), 0.8 - 0.35 * I)), 0.25 + 0.75 * pow(ri(10), 0.8 - 0.35 * I))
			+ if(dur < 20000 AND ri(18) < 0.08 + 0.1 * I, 1 + ri(19), 0) AS frac,
		if(skip, 0.05, (1 - 0.3 * I) * if(der, 0.75, 1) * if(fav, 1.1, 1)
			* multiIf(mode = 'relaxed', 1.12, mode = 'energized', 1 - 0.25 * least(1.0, greatest(0, toInt64(day) - {mode_launch:Int32}) / 45), 1)) AS sat
	FROM (
		SELECT
			number AS s,
			toUInt32(least(toFloat64({days:UInt32} - 1), floor({days:UInt32} * (sqrt(1 + 8 * rs(1)) - 1) / 2))) AS day,
			toUInt32(floor(pow(rs(2), 0.8) * arrayElement({cum:Array(UInt32)}, day + 1))) AS u,
			NOT U_INTERNAL[u + 1] AS human,
			if(human AND U_ENTRY[u + 1] <= day, least(1.0, 0.15 + (day - U_ENTRY[u + 1]) / 55), 0) AS I,
			multiIf(NOT human OR day < {mode_launch:Int32}, 'default',
				U_ADOPT[u + 1] < arrayElement({adoption:Array(Float64)}, day + 1) AND rs(3) < 0.8, U_MODE[u + 1],
				rs(4) < 0.04, if(rs(5) < 0.5, 'relaxed', 'energized'), 'default') AS mode,
			0.08 * (1 + 1.6 * I) * multiIf(mode = 'energized', 1.4, mode = 'relaxed', 0.7, 1) AS late_p,
			toInt32(if(rs(6) < late_p, floor(rs(7) * 300), 300 + floor(1140 * pow(rs(7), 0.7)))) AS local_minute,
			toInt64({start_ms:Int64} + day * 86400000 + ((local_minute - U_TZ[u + 1]) % 1440 + 1440) % 1440 * 60000 + floor(rs(8) * 60000)) AS start_ms,
			human AND rs(9) < 0.004 + 0.008 * I + multiIf(mode = 'energized', 0.005, mode = 'relaxed', -0.002, 0) AS binge,
			U_BASE[u + 1] * (1 + 0.2 * I) * multiIf(mode = 'energized', 1.15, mode = 'relaxed', 0.9, 1) AS mean_len,
			toUInt32(if(binge, 110 + 1 + floor(log(1 - rs(10)) / log(1 - 1 / 40)), least(150.0, 1 + floor(log(1 - rs(10)) / log(1 - 1 / mean_len))))) AS len,
			least(0.95, 0.5 + 0.35 * I + multiIf(mode = 'energized', 0.1, mode = 'relaxed', -0.15, 0)) AS fav_p,
			greatest(0.0, 0.08 + 0.22 * I + multiIf(mode = 'energized', 0.06, mode = 'relaxed', -0.04, 0)) AS der_p,
			arrayElement({surfaces:Array(String)}, arrayFirstIndex(c -> c > rs(11), {surface_cdf:Array(Float64)})) AS surface0
		FROM numbers({first:UInt64}, {count:UInt64})
	)
	ARRAY JOIN range(len) AS pos
)
WHERE n > 0
-- Both cores write (the select part is a quarter of the work; sorting, compressing and the rollup
-- MVs the rest), and no in-block deduplication: every impression id is new. Measured 15.9 s → 7.0 s
-- for 1.8 M rows.
SETTINGS max_insert_threads = 2, optimize_on_insert = 0
`;

/** rs(k) / ri(k) → the k-th uniform number of the session / impression. */
export function expandRandom(sql: string): string {
	return sql
		.replace(/ri\((\d+)\)/g, '(cityHash64(hpos, $1) / 18446744073709551616.0)')
		.replace(/rs\((\d+)\)/g, '(cityHash64({seed:UInt64}, number, $1) / 18446744073709551616.0)');
}

export interface BulkResult {
	impressions: number;
	seconds: number;
	runId: string;
}

/** Inserts impressions in session chunks until the target is reached, then ad revenue from them. */
export async function insertBulkImpressions(opts: BulkOptions): Promise<BulkResult> {
	const started = Date.now();
	const say = opts.onProgress ?? (() => {});
	const { story } = opts;
	const runId = `${BULK_RUN_PREFIX}${randomUUID()}`;
	// Impression ids are the same for the same seed, but a second insert would count twice until
	// ReplacingMergeTree merges: like the file path, loading the demo again adds nothing.
	const [existing] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM impressions WHERE startsWith(ingest_run_id, '${BULK_RUN_PREFIX}')`, { tag: 'demo.bulk.existing' });
	if (Number(existing?.n ?? 0) > 0) {
		say(`bulk: ${Number(existing!.n).toLocaleString('en-US')} demo impressions are already in the warehouse; nothing inserted (use a fresh LOOPMETER_DATA to regenerate)`);
		return { impressions: Number(existing!.n), seconds: (Date.now() - started) / 1000, runId: '' };
	}
	say(`bulk: preparing ${opts.users.length.toLocaleString('en-US')} users and ${opts.videos.length.toLocaleString('en-US')} videos for INSERT … SELECT`);
	await createHelpers(opts);
	const cum: number[] = [];
	for (let d = 0, i = 0; d < story.days; d++) {
		const end = story.startMs + (d + 1) * DAY;
		while (i < opts.users.length && opts.users[i]!.signupMs < end) i++;
		cum.push(Math.max(1, i));
	}
	const params = {
		seed: opts.seed, days: story.days, start_ms: story.startMs, mode_launch: story.feedModeLaunchDay, cum,
		adoption: Array.from({ length: story.days }, (_, d) => modeAdoption(story, d)),
		topic_cdf: cumulative(TOPIC_WEIGHTS), surfaces: [...SURFACES], surface_cdf: cumulative(SURFACE_WEIGHTS)
	};
	const sql = expandRandom(IMPRESSIONS_SQL);
	let inserted = 0;
	let first = 0;
	// ~4.5 impressions per session; the first chunk is sized from that, later ones from what sessions yielded.
	let chunk = Math.max(1000, Math.min(2_000_000, Math.ceil(opts.targetImpressions / 6)));
	while (inserted < opts.targetImpressions) {
		const t = Date.now();
		await command(sql, { tag: 'demo.bulk.impressions', params: { ...params, run: runId, first, count: chunk } });
		const [row] = await query<{ n: string }>('SELECT toString(count()) AS n FROM impressions WHERE ingest_run_id = {run:String}', { tag: 'demo.bulk.count', params: { run: runId } });
		const now = Number(row!.n);
		const perSession = (now - inserted) / chunk;
		inserted = now;
		first += chunk;
		say(`bulk: ${inserted.toLocaleString('en-US')} impressions (${(((Date.now() - t) / 1000)).toFixed(1)} s for this chunk, ${((Date.now() - started) / 1000).toFixed(0)} s so far)`);
		// Size the next chunk from what a session yielded: ~10 M rows per INSERT keeps memory flat.
		const left = opts.targetImpressions - inserted;
		chunk = Math.max(1000, Math.min(Math.ceil(10_000_000 / perSession), Math.ceil(left / perSession)));
	}
	await insertAdRevenue(runId);
	await saveRun({
		run_id: runId, source: 'engagement', file: `demo bulk: INSERT … SELECT FROM numbers() (${first.toLocaleString('en-US')} sessions)`, file_hash: runId,
		format: 'ndjson', bytes: 0, started_at: clickhouseTime(started), finished_at: clickhouseTime(Date.now()), actor: 'demo', via: 'demo',
		rows_read: inserted, rows_loaded: inserted, rows_duplicate: 0, rows_rejected: 0, rows_warned: 0, chunks_done: 1, outcome: 'succeeded',
		message: `${inserted} impressions generated in the warehouse by the demo's bulk SQL (ingest/demo/bulk.ts)`
	});
	await dropHelpers();
	return { impressions: inserted, seconds: (Date.now() - started) / 1000, runId };
}

/** Ads on the free tier's feed, one per five videos, priced per country and platform (same as the file generator). */
async function insertAdRevenue(runId: string): Promise<void> {
	await command(
		`INSERT INTO ad_revenue (date, country, platform, ad_impressions, revenue_usd, ingest_run_id)
		SELECT date, country, platform, ads,
			toDecimal64(ads * transform(country, {codes:Array(String)}, {cpms:Array(Float64)}, 1.0) * transform(platform, {platforms:Array(String)}, {platform_cpm:Array(Float64)}, 1.0)
				* (0.9 + 0.2 * cityHash64(date, country, platform) / 18446744073709551616.0) / 1000, 6) AS revenue_usd,
			{run:String}
		FROM (
			SELECT toDate(ts) AS date, toString(country) AS country, toString(platform) AS platform, toUInt64(round(count() * 0.2)) AS ads
			FROM impressions
			WHERE ingest_run_id = {run:String} AND surface = 'feed' AND NOT is_internal
				AND user_id NOT IN (SELECT user_id FROM demo_bulk_users WHERE paying)
			GROUP BY date, country, platform
		)
		WHERE ads > 0`,
		{
			tag: 'demo.bulk.ads',
			params: {
				run: runId, codes: COUNTRIES.map((c) => c.code), cpms: COUNTRIES.map((c) => c.cpm),
				platforms: Object.keys(PLATFORM_CPM), platform_cpm: Object.values(PLATFORM_CPM)
			}
		}
	);
}
