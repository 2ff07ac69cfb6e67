import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
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
