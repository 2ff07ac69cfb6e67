import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Dimension } from '../../src/lib/contracts/metrics.js';
import { ingest } from '../../ingest/index.js';

/*
 * Ten days of impressions, jobs, accounts, videos and ad revenue for the tests
 * that compare precomputed tables (rollups, day tables) with the raw tables:
 * deterministic rows that exercise every dimension, lookback and edge case.
 */
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-fixture-files-'));
export const PERIOD = { from: '2026-10-01', to: '2026-10-11' };

const SURFACES = ['feed', 'following', 'profile', 'search', 'share_link'];
const MODES = ['default', 'relaxed', 'energized'];
const ARMS = ['control', 'rl-v2'];
const COUNTRIES = ['US', 'DE', 'BR', ''];
const PLATFORMS = ['ios', 'android', 'web'];

/** Impression i, deterministic; its day is 2026-10-01 + (i % 10), at a time that varies with i. */
export function impression(i: number) {
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
export function job(i: number) {
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

export function writeNdjson(name: string, ids: number[], row: (i: number) => object = impression): string {
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

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
export const N = 3000;
/**
 * The impressions in the order the late-data tests load them: days 5..9 first,
 * then days 0..4 (late data), then the first file again, then half of the first
 * file plus `added` rows N.. (new impressions of every day).
 */
export function lateDataOrder(added: number) {
	const late = range(0, N).filter((i) => i % 10 >= 5);
	const early = range(0, N).filter((i) => i % 10 < 5);
	const overlap = [...late.filter((_, k) => k % 2 === 0), ...range(N, N + added)];
	return { late, early, overlap };
}
const { late, early, overlap } = lateDataOrder(500);
export const loaded = new Set([...late, ...early, ...overlap]);
export const humanLoaded = [...loaded].filter((i) => !impression(i).is_internal);
export const JOBS = 400;
const jobsLate = range(0, JOBS).filter((i) => i % 10 >= 5);
const jobsEarly = range(0, JOBS).filter((i) => i % 10 < 5);

/**
 * Loads the fixture the way production loads data badly: impressions and jobs
 * late and twice (see the file comment of rollup.test.ts), accounts, videos and
 * ad revenue twice.
 */
export async function loadLateAndRepeatedData(): Promise<void> {
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
}

export const FILTER_VALUES: Partial<Record<Dimension, string[]>> = { country: ['US', 'DE'], purpose: ['user', 'eval'], surface: ['feed', 'search'], creator_kind: ['human', 'ai_generated'], ownership: ['rented', 'owned'], gpu_type: ['H100'], rec_arm: ['rl-v2'] };
