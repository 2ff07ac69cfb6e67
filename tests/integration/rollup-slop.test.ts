import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricId, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { metricSql } from '../../src/lib/server/metrics/sql-files.js';
import { ingest } from '../../ingest/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { expectSameRows } from '../helpers/metric-rows.js';
import { impression as fixtureImpression, lateDataOrder, PERIOD, range } from '../helpers/late-data-fixture.js';

/*
 * The video-based Slop indicators and dead compute read per day × arm × mode ×
 * video sums (video_impressions_daily, migration 0043) and join the video's
 * current facts at read time. What can go wrong is order: impressions loaded
 * before their videos, videos created earlier loaded later (a new near-
 * duplicate original, a remix parent arriving after its remix), consent
 * revoked and copyright flagged after the impressions, impressions of the
 * earlier days loaded last, files loaded twice. After all of it, every request
 * must give the same rows three ways: through the rollup, through the raw
 * impressions (forceRaw: the same relation aggregated from `impressions`), and
 * through the per-impression base files the indicators had before (picked by a
 * filter on every surface, which the per-day sums do not serve and which
 * keeps every row).
 */
const { open } = useTempWarehouse('loopmeter-rollup-slop-');
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-rollup-slop-files-'));

const SURFACES = ['feed', 'following', 'profile', 'search', 'share_link'];
const KINDS = ['human', 'ai_assisted', 'ai_generated'];
const TOPICS = ['pets', 'cooking', 'sports', 'music', 'travel'];
const V = 60;

/** Video i, created 2026-09-28 + (i % 12) days; every 4th shares one caption (near duplicates), some are remixes. */
function video(i: number) {
	const caption =
		i % 4 === 0
			? `a cat playing the piano in the rain at night number ${i % 8 === 0 ? 'one' : 'one!'}`
			: `${TOPICS[i % 5]} clip ${i} with its own words ${i * 7} and more ${i * 13} text`;
	const remix_of = i % 5 === 1 ? `v${i - 1}` : i % 7 === 3 && i + 20 < V ? `v${i + 20}` : i === 59 ? 'v-not-loaded' : '';
	return {
		video_id: `v${i}`,
		created_at: new Date(Date.UTC(2026, 8, 28 + (i % 12), (i * 5) % 24, (i * 7) % 60)).toISOString(),
		creator_id: `c${i % 9}`,
		creator_kind: KINDS[i % 3],
		duration_ms: 10_000 + i * 100,
		topic: TOPICS[i % 5],
		caption,
		remix_of,
		cameo_user_ids: i % 6 === 0 || i % 6 === 3 ? [`u${i % 5}`] : [],
		cameo_consent: i % 6 === 0 ? 'granted' : 'none',
		copyright_flag: i % 8 === 0
	};
}

/**
 * The later rows of some videos: consent revoked, copyright flagged (latest row wins). v12..v48
 * are revoked at 11:30 on a day of the period (consent history: the day is split by impression),
 * v0 without consent_changed_at (the revocation covers every impression).
 */
function videoUpdate(i: number) {
	const v = video(i);
	const revoked = i % 12 === 0;
	const changedAt = revoked && i > 0 ? { consent_changed_at: `2026-10-0${2 + (i / 12) * 1}T11:30:00Z` } : {};
	return { ...v, cameo_consent: revoked ? 'revoked' : v.cameo_consent, copyright_flag: v.copyright_flag || i % 10 === 1, ...changedAt };
}
const updated = Array.from({ length: V }, (_, i) => i).filter((i) => i % 12 === 0 || i % 10 === 1);

/**
 * The shared fixture's impression i (2026-10-01 + (i % 10)) among 37 users, the
 * jobs' users; v53..v59 are never shown, every 40th impression shows a video never loaded.
 */
function impression(i: number) {
	const row = fixtureImpression(i);
	return { ...row, user_id: `u${(i * 31) % 37}`, video_id: i % 40 === 0 ? `v-missing-${i % 3}` : row.video_id };
}

const CLUSTERS = [
	{ cluster: 'us-east', gpu_type: 'H100' },
	{ cluster: 'eu-west', gpu_type: 'H200' }
];
const fleet = CLUSTERS.map((c) => ({ ...c, valid_from: '2026-09-01T00:00:00Z', gpu_count: 64, ownership: 'rented', rental_usd_per_gpu_hour: '2.5' }));

/**
 * Job i on 2026-10-01 + (i % 10); every other job publishes a video: v53 (created
 * 2026-10-03, never shown: its 7 days are over at the last impression) for
 * i % 20 = 6 (all succeeded), else v(i % 60).
 */
function job(i: number) {
	const start = Date.UTC(2026, 9, 1 + (i % 10), (i * 5) % 24, (i * 7) % 60);
	return {
		job_id: `job-${i}`,
		request_id: `req-${i}`,
		user_id: `u${i % 37}`,
		purpose: ['user', 'user', 'feed_prefill', 'eval'][i % 4],
		model: 'video-gen-2',
		resolution: '720p',
		output_seconds: 5,
		...CLUSTERS[i % 2],
		gpu_count: [1, 2, 8][i % 3]!,
		started_at: new Date(start).toISOString(),
		ended_at: new Date(start + ((i * 7_919) % 7_200) * 1000).toISOString(),
		status: ['succeeded', 'succeeded', 'succeeded', 'failed', 'moderated'][i % 5],
		...(i % 2 === 0 ? { video_id: i % 20 === 6 ? 'v53' : `v${i % V}` } : {})
	};
}

function writeNdjson(name: string, rows: object[]): string {
	const path = join(dir, name);
	writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
	return path;
}

const { late, early, overlap } = lateDataOrder(400);
const humanLoaded = [...new Set([...late, ...early, ...overlap])].filter((i) => !impression(i).is_internal);

async function load(source: 'engagement' | 'videos' | 'generation_jobs' | 'gpu_fleet', path: string) {
	const [report] = await ingest({ source, paths: [path], quiet: true, actor: 'rollup-slop-test' });
	expect(report?.outcome, `${path}: ${report?.message}`).toBe('succeeded');
}

beforeAll(async () => {
	await open();
	const imps = (name: string, ids: number[]) => writeNdjson(name, ids.map(impression));
	// Later days' impressions before any video; then the even videos; the earlier
	// days; then the odd videos (some created before even ones with the same
	// caption, some remix parents of videos already loaded); the late file
	// again; consent revoked / copyright flagged; half the late file plus new rows.
	await load('engagement', imps('late.ndjson', late));
	await load('videos', writeNdjson('videos-even.ndjson', range(0, V).filter((i) => i % 2 === 0).map(video)));
	await load('engagement', imps('early.ndjson', early));
	await load('videos', writeNdjson('videos-odd.ndjson', range(0, V).filter((i) => i % 2 === 1).map(video)));
	await load('engagement', imps('late.ndjson', late));
	await load('videos', writeNdjson('videos-update.ndjson', updated.map(videoUpdate)));
	await load('engagement', imps('overlap.ndjson', overlap));
	await load('gpu_fleet', writeNdjson('fleet.ndjson', fleet));
	await load('generation_jobs', writeNdjson('jobs-late.ndjson', range(0, 200).filter((i) => i % 10 >= 5).map(job)));
	await load('generation_jobs', writeNdjson('jobs-early.ndjson', range(0, 200).filter((i) => i % 10 < 5).map(job)));
});

const VIDEO_METRICS = ['near_duplicate_share', 'remix_depth', 'ai_mix', 'cameo_unconsented_share', 'copyright_share', 'creator_concentration'] as const;

function videoRequests(metric: MetricId): MetricRequestInput[] {
	const base = { metric, ...PERIOD };
	return [
		{ ...base, grain: 'total' },
		{ ...base, grain: 'day' },
		{ ...base, grain: 'week' },
		{ ...base, grain: 'month' },
		{ ...base, grain: 'day', group_by: ['rec_arm'] },
		{ ...base, grain: 'day', group_by: ['feed_mode'] },
		{ ...base, grain: 'day', group_by: ['creator_kind'] },
		{ ...base, grain: 'total', group_by: ['rec_arm', 'feed_mode'], filters: { creator_kind: ['human', 'ai_generated'] } },
		{ ...base, grain: 'week', group_by: ['creator_kind'], filters: { rec_arm: ['control'], feed_mode: ['default', 'relaxed'] } },
		// A period starting mid-fixture: the day filter inside the per-day relation.
		{ ...base, from: '2026-10-04', to: '2026-10-07', grain: 'total', group_by: ['creator_kind'] }
	];
}

describe('video_impressions_daily (0043) under late data, late videos and re-ingest', () => {
	it('counts every human impression once, whatever the order and repetition of loads', async () => {
		// loaded = late ∪ early ∪ overlap = impressions 0..3399, human = not (i % 23 = 5); the
		// rollup keeps impressions of videos never loaded too (the join happens at read time).
		const [r] = await query<{ imps: string; first: string; last: string }>(
			`SELECT toString(sum(impressions)) AS imps, toString(min(first_ts)) AS first, toString(max(last_ts)) AS last FROM video_impressions_daily`,
			{ tag: 'rollup-slop-test' }
		);
		expect(Number(r!.imps)).toBe(humanLoaded.length);
		const times = humanLoaded.map((i) => Date.parse(impression(i).ts));
		expect(Date.parse(r!.first + 'Z')).toBe(Math.min(...times));
		expect(Date.parse(r!.last + 'Z')).toBe(Math.max(...times));
	});

	for (const metric of VIDEO_METRICS) {
		it(`${metric}: rollup = raw impressions = per-impression files, for every grain, dimension and filter`, async () => {
			for (const req of videoRequests(metric)) {
				const what = `${metric} ${req.grain} by ${req.group_by?.join(',') || '-'} ${JSON.stringify(req.filters ?? {})} ${req.from}`;
				const viaRollup = await runMetric(req);
				const viaRaw = await runMetric(req, { forceRaw: true });
				const perImpression = await runMetric({ ...req, filters: { ...req.filters, surface: SURFACES } });
				expect(viaRollup.query.rollup, what).toBe(true);
				expect(viaRaw.query.rollup, what).toBe(false);
				expect(perImpression.query.file, what).not.toMatch(/_days\.sql$/);
				expect(viaRaw.response.rows.length, `${what}: the fixture yields rows`).toBeGreaterThan(0);
				expectSameRows(viaRollup.response.rows, viaRaw.response.rows, `${what} (rollup vs raw)`);
				expectSameRows(viaRollup.response.rows, perImpression.response.rows, `${what} (rollup vs per-impression)`);
			}
		});
	}

	it('the comparisons are not vacuous: every indicator is non-zero on the fixture', async () => {
		for (const metric of VIDEO_METRICS) {
			const [row] = (await runMetric({ metric, ...PERIOD, grain: 'total' })).response.rows;
			expect(row?.value, metric).toBeGreaterThan(0);
		}
	});

	it('a request the per-day sums cannot serve (by country) reads the per-impression rows', async () => {
		const { query: q } = await runMetric({ metric: 'ai_mix', ...PERIOD, grain: 'total', group_by: ['country'] });
		expect(q.rollup).toBe(false);
		expect(q.file).toBe('sql/metrics/slop_video_mix.sql');
	});

	it('dead_compute: the 7-day watched test gives the same rows from the rollup as from raw impressions', async () => {
		const base = { metric: 'dead_compute', ...PERIOD } as const;
		const reqs: MetricRequestInput[] = [
			{ ...base, grain: 'total' },
			{ ...base, grain: 'day' },
			{ ...base, grain: 'total', group_by: ['dead_reason'] },
			{ ...base, grain: 'day', group_by: ['status', 'cluster'] },
			{ ...base, grain: 'week', group_by: ['dead_reason'], filters: { purpose: ['user', 'feed_prefill'] } },
			{ ...base, from: '2026-10-03', to: '2026-10-05', grain: 'total', group_by: ['dead_reason'] }
		];
		for (const req of reqs) {
			const what = `dead_compute ${req.grain} by ${req.group_by?.join(',') || '-'} ${req.from}`;
			const viaRollup = await runMetric(req);
			const viaRaw = await runMetric(req, { forceRaw: true });
			expect(viaRollup.query.rollup, what).toBe(true);
			expect(viaRaw.query.rollup, what).toBe(false);
			expectSameRows(viaRollup.response.rows, viaRaw.response.rows, what);
		}
		// Not vacuous: some succeeded job's video was never shown within 7 days (v53..v59 are never shown).
		const reasons = (await runMetric(reqs[2]!)).response.rows.map((r) => r.dead_reason);
		expect(reasons).toEqual(expect.arrayContaining(['never_watched_7d', 'live', 'failed']));
	});

	it('dead_compute: never_watched_7d GPU-hours match the definition worked out impression by impression', async () => {
		// A succeeded job's video is never_watched_7d when its created_at + 7 days is not after the
		// last impression in the warehouse and no human impression falls in [created_at, created_at + 7 d).
		// GPU-hours = gpu_count × the job's hours inside the period.
		const all = [...new Set([...late, ...early, ...overlap])].map(impression);
		const lastTs = Math.max(...all.map((r) => Date.parse(r.ts)));
		const week = 7 * 86_400_000;
		const [p0, p1] = [Date.parse(`${PERIOD.from}T00:00:00Z`), Date.parse(`${PERIOD.to}T00:00:00Z`)];
		let expected = 0;
		for (const j of range(0, 200).map(job)) {
			if (j.status !== 'succeeded' || !('video_id' in j) || !j.video_id) continue;
			const created = Date.parse(video(Number(j.video_id.slice(1))).created_at);
			if (created + week > lastTs) continue;
			const watched = all.some((r) => !r.is_internal && r.video_id === j.video_id && Date.parse(r.ts) >= created && Date.parse(r.ts) < created + week);
			if (watched) continue;
			const hours = (Math.min(Date.parse(j.ended_at), p1) - Math.max(Date.parse(j.started_at), p0)) / 3_600_000;
			expected += j.gpu_count * Math.max(0, hours);
		}
		expect(expected).toBeGreaterThan(0);
		for (const forceRaw of [false, true]) {
			const { response } = await runMetric({ metric: 'dead_compute', ...PERIOD, grain: 'total', filters: { dead_reason: ['never_watched_7d'] } }, { forceRaw });
			expect(response.rows[0]?.value, `forceRaw ${forceRaw}`).toBeCloseTo(expected, 9);
		}
	});

	it('slop_index: the same scores with its components read from rollups or raw tables', async () => {
		for (const req of [
			{ metric: 'slop_index', ...PERIOD, grain: 'total' },
			{ metric: 'slop_index', ...PERIOD, grain: 'day', group_by: ['rec_arm'] }
		] as MetricRequestInput[]) {
			const viaRollup = await runMetric(req);
			const viaRaw = await runMetric(req, { forceRaw: true });
			expect(viaRollup.query.rollup).toBe(true);
			expect(viaRaw.query.rollup).toBe(false);
			expect(viaRaw.response.rows.length).toBeGreaterThan(0);
			expectSameRows(viaRollup.response.rows, viaRaw.response.rows, `slop_index ${req.grain} by ${req.group_by?.join(',') || '-'}`);
		}
	});
});

describe('near-duplicates kept between captions (migration 0070)', () => {
	it('equal the pairwise rule over every video signature, after videos loaded out of order', async () => {
		// The rule of 0042 computed directly: a later video sharing a bucket with Jaccard ≥ 0.8; its earliest such video, the best index.
		const reference = await query<{ video_id: string; original_id: string; similarity: number }>(
			`SELECT v.video_id AS video_id, argMin(w.video_id, (w.created_at, w.video_id)) AS original_id, max(arrayJaccardIndex(v.shingles, w.shingles)) AS similarity
			FROM (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash FINAL) AS v
			INNER JOIN (SELECT video_id, created_at, shingles, arrayJoin(buckets) AS bucket FROM video_minhash) AS w ON w.bucket = v.bucket
			WHERE w.video_id != v.video_id AND (w.created_at, w.video_id) < (v.created_at, v.video_id) AND arrayJaccardIndex(v.shingles, w.shingles) >= 0.8
			GROUP BY video_id`,
			{ tag: 'rollup-slop-test' }
		);
		const served = await query<{ video_id: string; original_id: string; similarity: number }>(metricSql('slop_near_duplicates'), { tag: 'rollup-slop-test' });
		// Every 4th video shares one caption (up to a "!"): 15 videos, 14 duplicates of v0's family.
		expect(reference.length).toBeGreaterThanOrEqual(14);
		expectSameRows(served, reference, 'near-duplicates by caption vs pairwise');
		const [pairs] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM caption_first`, { tag: 'rollup-slop-test' });
		// One row per distinct caption, not per pair of videos.
		expect(Number(pairs!.n)).toBeLessThan(V);
	});
});
