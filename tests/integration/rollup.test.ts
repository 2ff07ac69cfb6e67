import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dimension, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { isRollupSource } from '../../src/lib/server/metrics/build-query.js';
import { listMetrics, type MetricDefinition } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import '../../src/lib/server/metrics/all.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { ingest } from '../../ingest/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { expectSameRows } from '../helpers/metric-rows.js';

/*
 * Rollups are kept by materialized views on insert, so what can go wrong is
 * the order and repetition of inserts. This file loads impressions through the
 * real ingest path the way production does it badly: the later days first, the
 * earlier days afterwards (late data), the first file again (re-ingest), and a
 * file that repeats half of the first one and adds new rows. Then every metric
 * with a rollup source must give the same rows through the rollup as through
 * the raw tables (forceRaw), for every grain and rollup dimension, and the
 * rollup must count each impression exactly once.
 */
const { open } = useTempWarehouse('loopmeter-rollup-');
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-rollup-files-'));
const PERIOD = { from: '2026-10-01', to: '2026-10-11' };

const SURFACES = ['feed', 'following', 'profile', 'search', 'share_link'];
const MODES = ['default', 'relaxed', 'energized'];
const ARMS = ['control', 'rl-v2'];
const COUNTRIES = ['US', 'DE', 'BR', ''];
const PLATFORMS = ['ios', 'android', 'web'];

/** Impression i, deterministic; its day is 2026-10-01 + (i % 10), at a time that varies with i. */
function impression(i: number) {
	const day = i % 10;
	const ts = Date.UTC(2026, 9, 1 + day, (i * 7) % 24, (i * 13) % 60, (i * 17) % 60, i % 1000);
	return {
		impression_id: `imp-${i}`,
		ts: new Date(ts).toISOString(),
		user_id: `u${(i * 31) % 97}`,
		session_id: `s${Math.floor(i / 7)}`,
		video_id: `v${(i * 11) % 53}`,
		watch_ms: (i * 7919) % 45_000,
		video_duration_ms: 5_000 + ((i * 104_729) % 40_000),
		position: i % 30,
		surface: SURFACES[i % 5],
		feed_mode: MODES[Math.floor(i / 5) % 3],
		rec_arm: ARMS[Math.floor(i / 3) % 2],
		autoplay: i % 3 !== 0,
		liked: i % 4 === 0,
		shared: i % 9 === 0,
		commented: i % 13 === 0,
		followed: i % 29 === 0,
		not_interested: i % 17 === 0,
		reported: i % 101 === 0,
		country: COUNTRIES[(i * 3) % 4],
		platform: PLATFORMS[(i * 5) % 3],
		...(i % 11 === 0 ? {} : { tz_offset_min: [-300, 0, 60, 330][i % 4] }),
		is_internal: i % 23 === 5
	};
}

const CLUSTERS = [
	{ cluster: 'us-east', gpu_type: 'H100' },
	{ cluster: 'eu-west', gpu_type: 'H200' }
];

const fleet = [
	{ ...CLUSTERS[0], valid_from: '2026-09-01T00:00:00Z', gpu_count: 64, ownership: 'rented', rental_usd_per_gpu_hour: '2.5' },
	{ ...CLUSTERS[1], valid_from: '2026-09-01T00:00:00Z', gpu_count: 32, ownership: 'owned', purchase_usd_per_gpu: '30000', amortization_months: 36, power_watts: '700', pue: '1.2', usd_per_kwh: '0.1', maintenance_usd_per_gpu_month: '40' }
];

/** Job i: day 2026-10-01 + (i % 10), up to 3 h long, so jobs started late in the evening cross midnight. */
function job(i: number) {
	const start = Date.UTC(2026, 9, 1 + (i % 10), (i * 5) % 24, (i * 7) % 60, (i * 11) % 60);
	const c = CLUSTERS[i % 2]!;
	return {
		job_id: `job-${i}`,
		request_id: `req-${Math.floor(i / 2)}`,
		user_id: i % 7 === 0 ? '' : `u${i % 97}`,
		purpose: i % 7 === 0 ? 'feed_prefill' : ['user', 'user', 'eval', 'internal'][i % 4],
		model: ['video-gen-2', 'video-gen-2-pro'][i % 2],
		resolution: ['720p', '1080p'][Math.floor(i / 2) % 2],
		output_seconds: (i % 12) / 2,
		...c,
		gpu_count: [1, 2, 8][i % 3]!,
		started_at: new Date(start).toISOString(),
		ended_at: new Date(start + ((i * 7_919) % 10_800) * 1000).toISOString(),
		status: ['succeeded', 'succeeded', 'failed', 'cancelled', 'moderated'][i % 5],
		// Succeeded jobs publish one of the impressions' videos (the creation-cohort ratio needs them).
		...(i % 5 < 2 ? { video_id: `v${i % 53}` } : {})
	};
}

function writeNdjson(name: string, ids: number[], row: (i: number) => object = impression): string {
	const path = join(dir, name);
	writeFileSync(path, ids.map((i) => JSON.stringify(row(i))).join('\n') + '\n');
	return path;
}

/** 97 accounts (u0..u96) signed up 2026-09-26 .. 2026-10-07, so some signup-week cohorts fall in the period. */
function user(k: number) {
	return { user_id: `u${k}`, signup_at: new Date(Date.UTC(2026, 8, 26 + (k % 12), k % 24)).toISOString(), country: COUNTRIES[k % 4], is_internal: k === 5 };
}

/** The 53 videos impressions show (v0..v52): some remixes, near-duplicate captions, cameos and flagged ones. */
function video(k: number) {
	return {
		video_id: `v${k}`,
		created_at: new Date(Date.UTC(2026, 8, 24 + (k % 14), (k * 5) % 24)).toISOString(),
		creator_id: `c${k % 7}`,
		creator_kind: ['human', 'ai_assisted', 'ai_generated'][k % 3],
		duration_ms: 5_000 + k * 500,
		topic: ['pets', 'cooking', 'sports', 'music', 'comedy', 'travel'][k % 6],
		caption: k % 4 === 0 ? 'my cat tries the new dance trend at home tonight' : `caption number ${k} about ${['dogs', 'soup', 'goals'][k % 3]} and more words here`,
		...(k > 10 && k % 3 === 0 ? { remix_of: `v${k - 7}` } : {}),
		cameo_user_ids: k % 5 === 0 ? [`u${k}`] : [],
		cameo_consent: k % 5 === 0 ? (k % 10 === 0 ? 'revoked' : 'granted') : 'none',
		copyright_flag: k % 8 === 0
	};
}

/** Ad revenue rows per day: for one country and platform, one country only, and the whole day. */
function adRow(i: number) {
	const day = `2026-10-${String(1 + (i % 10)).padStart(2, '0')}`;
	const kind = Math.floor(i / 10);
	return {
		date: day,
		country: kind === 2 ? '' : COUNTRIES[i % 3],
		platform: kind === 0 ? PLATFORMS[i % 3] : '',
		ad_impressions: 100 + i,
		revenue_usd: String((i * 37) % 500 + 0.25)
	};
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const N = 3000;
// Days 5..9 first, then days 0..4 (late data), then the first file again, then
// half of the first file plus rows N..N+500 (new impressions of every day).
const late = range(0, N).filter((i) => i % 10 >= 5);
const early = range(0, N).filter((i) => i % 10 < 5);
const overlap = [...late.filter((_, k) => k % 2 === 0), ...range(N, N + 500)];
const loaded = new Set([...late, ...early, ...overlap]);
const humanLoaded = [...loaded].filter((i) => !impression(i).is_internal);
const JOBS = 400;
const jobsLate = range(0, JOBS).filter((i) => i % 10 >= 5);
const jobsEarly = range(0, JOBS).filter((i) => i % 10 < 5);

beforeAll(async () => {
	await open();
	const files = [writeNdjson('late.ndjson', late), writeNdjson('early.ndjson', early), writeNdjson('late.ndjson', late), writeNdjson('overlap.ndjson', overlap)];
	for (const f of files) await ingest({ source: 'engagement', paths: [f], quiet: true, actor: 'rollup-test' });

	// Accounts, videos and ad revenue (allocated to viewers per user-day), loaded twice.
	for (const [source, name, rows] of [
		['users', 'users.ndjson', range(0, 97).map(user)],
		['videos', 'videos.ndjson', range(0, 53).map(video)],
		['ad_revenue', 'ads.ndjson', range(0, 30).map(adRow)]
	] as const) {
		writeFileSync(join(dir, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
		for (let k = 0; k < 2; k++) {
			const [report] = await ingest({ source, paths: [join(dir, name)], quiet: true, actor: 'rollup-test' });
			expect(report?.outcome, `${name}: ${report?.message}`).toBe('succeeded');
		}
	}

	// Jobs the same way: later days first, earlier days late, the first file again.
	writeFileSync(join(dir, 'fleet.ndjson'), fleet.map((f) => JSON.stringify(f)).join('\n') + '\n');
	await ingest({ source: 'gpu_fleet', paths: [join(dir, 'fleet.ndjson')], quiet: true, actor: 'rollup-test' });
	const jobFiles = [writeNdjson('jobs-late.ndjson', jobsLate, job), writeNdjson('jobs-early.ndjson', jobsEarly, job), writeNdjson('jobs-late.ndjson', jobsLate, job)];
	for (const f of jobFiles) {
		const [report] = await ingest({ source: 'generation_jobs', paths: [f], quiet: true, actor: 'rollup-test' });
		expect(report?.outcome, `${f}: ${report?.message}`).toBe('succeeded');
	}
});

const withRollup = listMetrics().filter((d) => d.sources.some(isRollupSource));

/** Every dimension some rollup-reading source of the metric serves. */
function rollupDims(def: MetricDefinition): Dimension[] {
	return [...new Set(def.sources.filter(isRollupSource).flatMap((s) => s.dimensions))];
}

const FILTER_VALUES: Partial<Record<Dimension, string[]>> = { country: ['US', 'DE'], purpose: ['user', 'eval'], surface: ['feed', 'search'], creator_kind: ['human', 'ai_generated'], ownership: ['rented', 'owned'], gpu_type: ['H100'] };

function requests(def: MetricDefinition): MetricRequestInput[] {
	const base = { metric: def.id, ...PERIOD };
	const dims = rollupDims(def);
	return [
		{ ...base, grain: 'total' },
		{ ...base, grain: 'day' },
		{ ...base, grain: 'week' },
		...dims.map((d) => ({ ...base, grain: 'day' as const, group_by: [d] })),
		// Two dimensions grouped, a third filtered to two of its values.
		...(dims.length >= 3 ? [{ ...base, grain: 'total' as const, group_by: dims.slice(0, 2), filters: { [dims[2]!]: FILTER_VALUES[dims[2]!] ?? [] } }] : [])
	];
}

describe('rollups (impressions_daily, impressions_user_daily, jobs_daily) under late data and re-ingest', () => {
	it('counts every human impression once, however often and in whatever order it was loaded', async () => {
		// loaded = late ∪ early ∪ overlap = impressions 0..3499; human = not (i % 23 = 5).
		const [r] = await query<{ imps: string; watch: string }>(
			`SELECT toString(sum(impressions)) AS imps, toString(sum(watch_ms_sum)) AS watch FROM impressions_daily`,
			{ tag: 'rollup-test' }
		);
		expect(Number(r!.imps)).toBe(humanLoaded.length);
		expect(Number(r!.watch)).toBe(humanLoaded.reduce((s, i) => s + impression(i).watch_ms, 0));
		const [raw] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM impressions`, { tag: 'rollup-test' });
		expect(Number(raw!.n)).toBe(loaded.size);
	});

	it('holds every job\'s GPU time once, split over the days it ran', async () => {
		// Σ gpu_count × (ended_at − started_at) over the 400 distinct jobs, in ms; the split over days adds up to it.
		const expected = range(0, JOBS).reduce((s, i) => {
			const j = job(i);
			return s + j.gpu_count * (Date.parse(j.ended_at) - Date.parse(j.started_at));
		}, 0);
		const [r] = await query<{ ms: string }>(`SELECT toString(sum(gpu_ms)) AS ms FROM jobs_daily`, { tag: 'rollup-test' });
		expect(Number(r!.ms)).toBe(expected);
		const [raw] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM generation_jobs`, { tag: 'rollup-test' });
		expect(Number(raw!.n)).toBe(JOBS);
	});

	it('has metrics served by a rollup', () => {
		expect(withRollup.map((d) => d.id)).toEqual(expect.arrayContaining(['watch_hours', 'satisfaction_rate', 'utilized_gpu_hours']));
	});

	for (const def of withRollup) {
		it(`${def.id}: the rollup gives the raw tables' rows for every grain, rollup dimension and filter`, async () => {
			let compared = 0;
			for (const req of requests(def)) {
				const what = `${def.id} ${req.grain} by ${req.group_by?.join(',') || '-'}`;
				const viaRollup = await runMetric(req);
				// Some requests are served by a source without a rollup (e.g. ad revenue
				// by day reads the small ad file; only by plan does it need viewers).
				if (!viaRollup.query.rollup) continue;
				compared++;
				const viaRaw = await runMetric(req, { forceRaw: true });
				expect(viaRaw.query.rollup, what).toBe(false);
				expect(viaRaw.response.rows.length, `${what}: the fixture yields rows`).toBeGreaterThan(0);
				expectSameRows(viaRollup.response.rows, viaRaw.response.rows, what);
			}
			expect(compared, `${def.id}: requests served by a rollup`).toBeGreaterThan(0);
		});

		if (def.sources.some((s) => s.dimensions.includes('plan')) && !rollupDims(def).includes('plan')) {
			it(`${def.id}: a request the rollup cannot serve (by plan) falls back to the raw rows`, async () => {
				const { query: q } = await runMetric({ metric: def.id, ...PERIOD, grain: 'total', group_by: ['plan'] });
				expect(q.rollup).toBe(false);
			});
		}
	}
});
