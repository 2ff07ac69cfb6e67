import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { metricSql } from '../../src/lib/server/metrics/sql-files.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { ingest } from '../../ingest/index.js';
import { engagementRecord } from '../helpers/rows.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

/*
 * Consent history (docs/product.md, "Consent history and ad revenue per
 * video"), on a fixture worked out by hand. Period 2026-11-01..11-05, all
 * impressions human, arm control.
 *
 *   vc  cameo, loaded "granted" (no consent_changed_at), then "revoked" since
 *       11-03 12:00, then "granted" again since 11-04 12:00 — three loads.
 *   vr  cameo, loaded once as "revoked" since 11-02 00:00: granted before (implied).
 *   vn  no cameo.
 *
 *   impression  video  ts           consent in force
 *   a1          vc     11-02 10:00  granted
 *   a2          vc     11-03 08:00  granted  (day of the revocation, before it)
 *   a3          vc     11-03 18:00  revoked  ← unconsented
 *   a4          vc     11-04 09:00  revoked  ← unconsented (day of the new grant, before it)
 *   a5          vc     11-04 15:00  granted
 *   b1          vr     11-01 12:00  granted
 *   b2          vr     11-02 12:00  revoked  ← unconsented
 *   n1..n3      vn     11-01, 11-03, 11-04   no cameo
 *
 * → 3 of 10 impressions lack consent. Before consent history every impression
 * took the latest row (vc granted, vr revoked): 2 of 10, and not a3/a4 but b1/b2.
 */
const { open } = useTempWarehouse('loopmeter-consent-ads-');
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-consent-ads-files-'));
const P = { from: '2026-11-01', to: '2026-11-05' };

function video(id: string, cameo: string[], consent: string, changedAt?: string) {
	return {
		video_id: id,
		created_at: '2026-11-01T00:00:00Z',
		creator_id: id === 'vn' ? 'c2' : 'c1',
		creator_kind: id === 'vn' ? 'ai_generated' : 'human',
		duration_ms: 20_000,
		topic: 'pets',
		caption: `caption of ${id} with enough words to hash`,
		remix_of: '',
		cameo_user_ids: cameo,
		cameo_consent: consent,
		copyright_flag: false,
		...(changedAt ? { consent_changed_at: changedAt } : {})
	};
}

const IMPRESSIONS: [id: string, video: string, ts: string, user: string, country: string][] = [
	['a1', 'vc', '2026-11-02T10:00:00Z', 'u1', 'US'],
	['a2', 'vc', '2026-11-03T08:00:00Z', 'u1', 'US'],
	['a3', 'vc', '2026-11-03T18:00:00Z', 'u2', 'DE'],
	['a4', 'vc', '2026-11-04T09:00:00Z', 'u2', 'DE'],
	['a5', 'vc', '2026-11-04T15:00:00Z', 'u1', 'US'],
	['b1', 'vr', '2026-11-01T12:00:00Z', 'u1', 'US'],
	['b2', 'vr', '2026-11-02T12:00:00Z', 'u2', 'DE'],
	['n1', 'vn', '2026-11-01T09:00:00Z', 'u1', 'US'],
	['n2', 'vn', '2026-11-03T09:00:00Z', 'u2', 'DE'],
	['n3', 'vn', '2026-11-04T10:00:00Z', 'u1', 'US']
];

function ndjson(name: string, rows: object[]): string {
	const path = join(dir, name);
	writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
	return path;
}

/*
 * Ad revenue (all impressions on ios): the rows of each day spread over the impressions they match.
 *   11-01  all     $10.00 → b1, n1: $5 each
 *   11-02  US      $6.00  → a1 (the only US impression): $6
 *   11-02  FR      $2.50  → no impression: unallocated
 *   11-03  all     $9.00  → a2, a3, n2: $3 each
 *   11-03  DE/ios  $4.00  → a3, n2: $2 each
 *   11-04  android $1.00  → no impression: unallocated
 *   11-04  all     $7.50  → a4, a5, n3: $2.50 each
 * vc: 6 + 3 + 3 + 2 + 2.5 + 2.5 = $19.00; vr: $5.00; vn: 5 + 3 + 2 + 2.5 = $12.50 → $36.50 allocated,
 * $3.50 unallocated, $40.00 in the file. Users: u1 5 + 5 + 6 + 3 + 2.5 + 2.5 = $24.00, u2 5 + 5 + 2.5 = $12.50.
 */
const ADS = [
	['2026-11-01', '', '', '10.00'],
	['2026-11-02', 'US', '', '6.00'],
	['2026-11-02', 'FR', '', '2.50'],
	['2026-11-03', '', '', '9.00'],
	['2026-11-03', 'DE', 'ios', '4.00'],
	['2026-11-04', '', 'android', '1.00'],
	['2026-11-04', '', '', '7.50']
].map(([date, country, platform, revenue_usd]) => ({ date, country, platform, ad_impressions: 100, revenue_usd }));

async function load(source: 'videos' | 'engagement' | 'ad_revenue', path: string) {
	const [report] = await ingest({ source, paths: [path], quiet: true, actor: 'consent-ads-test' });
	expect(report?.outcome, `${path}: ${report?.message}`).toBe('succeeded');
	return report!;
}

beforeAll(async () => {
	await open();
	await load('videos', ndjson('videos-1.ndjson', [video('vc', ['u9'], 'granted'), video('vr', ['u8'], 'revoked', '2026-11-02T00:00:00Z'), video('vn', [], 'none')]));
	await load('videos', ndjson('videos-2.ndjson', [video('vc', ['u9'], 'revoked', '2026-11-03T12:00:00Z')]));
	await load('videos', ndjson('videos-3.ndjson', [video('vc', ['u9'], 'granted', '2026-11-04T12:00:00Z')]));
	await load(
		'engagement',
		ndjson(
			'impressions.ndjson',
			IMPRESSIONS.map(([impression_id, video_id, ts, user_id, country]) => engagementRecord({ impression_id, ts, user_id, session_id: `s-${user_id}`, video_id, country, platform: 'ios' }))
		)
	);
	await load('ad_revenue', ndjson('ad_revenue.ndjson', ADS));
});

const total = (req: Omit<MetricRequestInput, 'from' | 'to'>, opts = {}) => runMetric({ ...P, ...req } as MetricRequestInput, opts);

describe('cameo consent in force at the impression’s time', () => {
	it('counts impressions before a revocation as consented and after it as not (3 of 10)', async () => {
		for (const forceRaw of [false, true]) {
			const { response } = await total({ metric: 'cameo_unconsented_share', grain: 'total' }, { forceRaw });
			expect(response.rows[0]!.cameo_unconsented, `forceRaw ${forceRaw}`).toBe(3);
			expect(response.rows[0]!.impressions).toBe(10);
			expect(response.rows[0]!.value).toBeCloseTo(3 / 10, 12);
		}
	});

	it('splits the days a consent changed, impression by impression', async () => {
		// 11-01: b1, n1 → 0/2; 11-02: a1, b2 → 1/2; 11-03: a2, a3, n2 → 1/3; 11-04: a4, a5, n3 → 1/3.
		const expected = { '2026-11-01': [0, 2], '2026-11-02': [1, 2], '2026-11-03': [1, 3], '2026-11-04': [1, 3] };
		for (const forceRaw of [false, true]) {
			const { response, query } = await total({ metric: 'cameo_unconsented_share', grain: 'day' }, { forceRaw });
			expect(query.rollup).toBe(!forceRaw);
			const got = Object.fromEntries(response.rows.map((r) => [r.period, [r.cameo_unconsented, r.impressions]]));
			expect(got, `forceRaw ${forceRaw}`).toEqual(expected);
		}
		// The per-impression files (a surface filter) agree.
		const perImpression = await total({ metric: 'cameo_unconsented_share', grain: 'day', filters: { surface: ['feed'] } });
		expect(Object.fromEntries(perImpression.response.rows.map((r) => [r.period, [r.cameo_unconsented, r.impressions]]))).toEqual(expected);
	});

	it('the watchlist shows the current consent, when it changed, and the impressions served without consent', async () => {
		const drill = await runDrilldown({ metric: 'cameo_unconsented_share', ...P });
		const byVideo = Object.fromEntries(drill.rows.map((r) => [r.video_id, r]));
		expect(Object.keys(byVideo).sort()).toEqual(['vc', 'vr']);
		expect(byVideo.vc).toMatchObject({ cameo_consent: 'granted', consent_changed_at: '2026-11-04 12:00:00.000', impressions: 5, unconsented_impressions: 2 });
		expect(byVideo.vr).toMatchObject({ cameo_consent: 'revoked', consent_changed_at: '2026-11-02 00:00:00.000', impressions: 2, unconsented_impressions: 1 });
	});

	it('rejects a bad consent_changed_at with file, line and field, and loads the rest', async () => {
		const path = ndjson('videos-bad.ndjson', [
			video('vx', ['u7'], 'revoked', '2026-11-02T00:00:00Z'),
			video('vy', ['u7'], 'revoked', 'last tuesday'),
			video('vz', ['u7'], 'revoked', '2026-10-31T23:59:59Z')
		]);
		const [r] = await ingest({ source: 'videos', paths: [path], quiet: true, actor: 'consent-ads-test', maxErrors: '2' });
		expect(r).toMatchObject({ outcome: 'succeeded', rows_read: 3, rows_loaded: 1, rows_rejected: 2 });
		const byLine = Object.fromEntries(r!.examples.map((e) => [e.line, e]));
		expect(byLine[2]).toMatchObject({ field: 'consent_changed_at' });
		expect(byLine[2]!.reason).toMatch(/^consent_changed_at: .*last tuesday/);
		expect(byLine[3]).toMatchObject({ field: 'consent_changed_at' });
		expect(byLine[3]!.reason).toMatch(/^consent_changed_at: must not be before created_at/);
	});
});

describe('ad revenue allocated to videos', () => {
	it('gives each video its impressions × their cells’ rate, to the cent; unallocated rows stay apart', async () => {
		const { response } = await total({ metric: 'video_ad_revenue', grain: 'total' });
		const r = response.rows[0]!;
		expect(r.value).toBeCloseTo(36.5, 9);
		expect(r.unallocated_usd).toBeCloseTo(3.5, 9);
		expect(r.videos).toBe(3);
		expect(r.feed_impressions).toBe(10);
		expect(r.usd_per_video).toBeCloseTo(36.5 / 3, 9);
		expect(r.usd_per_1000_impressions).toBeCloseTo(3650, 6);
		// value + unallocated = the ad revenue file.
		const ads = await total({ metric: 'ad_revenue', grain: 'total' });
		expect(ads.response.rows[0]!.value).toBeCloseTo(40, 9);

		const drill = await runDrilldown({ metric: 'video_ad_revenue', ...P });
		expect(drill.rows.map((v) => [v.video_id, v.creator, v.impressions, Number(v.ad_revenue_usd).toFixed(2)])).toEqual([
			['vc', 'c1', 5, '19.00'],
			['vn', 'c2', 3, '12.50'],
			['vr', 'c1', 2, '5.00']
		]);
	});

	it('sums over videos to the ad revenue allocated to users, day by day', async () => {
		const perDay = await total({ metric: 'video_ad_revenue', grain: 'day' });
		const byDay: Record<string, [string, string]> = Object.fromEntries(
			perDay.response.rows.map((r) => [String(r.period), [Number(r.value).toFixed(2), Number(r.unallocated_usd).toFixed(2)]])
		);
		expect(byDay).toEqual({ '2026-11-01': ['10.00', '0.00'], '2026-11-02': ['6.00', '2.50'], '2026-11-03': ['13.00', '0.00'], '2026-11-04': ['7.50', '1.00'] });
		const users = await query<{ day: string; user_id: string; usd: number }>(
			`SELECT toString(day) AS day, user_id, sum(revenue_usd) AS usd FROM (${metricSql('ad_revenue_users')}) GROUP BY day, user_id ORDER BY day, user_id`,
			{ tag: 'consent-ads-test', params: P }
		);
		const usersByDay = new Map<string, number>();
		for (const u of users) if (u.user_id !== '') usersByDay.set(u.day, (usersByDay.get(u.day) ?? 0) + u.usd);
		for (const [day, [videos]] of Object.entries(byDay)) expect(usersByDay.get(day)!.toFixed(2), day).toBe(videos);
		const perUser = (id: string) => users.filter((u) => u.user_id === id).reduce((a, u) => a + u.usd, 0);
		expect(perUser('u1')).toBeCloseTo(24, 9);
		expect(perUser('u2')).toBeCloseTo(12.5, 9);
	});

	it('breaks down by creator and creator kind', async () => {
		const byCreator = await total({ metric: 'video_ad_revenue', grain: 'total', group_by: ['creator'] });
		expect(Object.fromEntries(byCreator.response.rows.map((r) => [r.creator, Number(r.value).toFixed(2)]))).toEqual({ '': '0.00', c1: '24.00', c2: '12.50' });
		const byKind = await total({ metric: 'video_ad_revenue', grain: 'total', group_by: ['creator_kind'], filters: { creator_kind: ['human'] } });
		expect(byKind.response.rows.map((r) => [r.creator_kind, Number(r.value).toFixed(2), r.videos])).toEqual([['human', '24.00', 2]]);
	});

	it('the creators behind creator concentration carry their videos’ ad revenue', async () => {
		const creators = await runDrilldown({ metric: 'creator_concentration', ...P });
		expect(creators.rows.map((c) => [c.creator_id, c.impressions, Number(c.ad_revenue_usd).toFixed(2)])).toEqual([
			['c1', 7, '24.00'],
			['c2', 3, '12.50']
		]);
	});
});
