import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { audit } from '../../src/lib/server/audit/index.js';
import { cachedAuditLog } from '../../src/lib/server/audit/log-cache.js';
import { cachedBookkeeping, cachedRowsPerDay } from '../../src/lib/server/pages/ingest-page.js';
import { sourceDataVersion } from '../../src/lib/server/cache/per-data-version.js';
import { metricPanel } from '../../src/lib/server/pages/panel.js';
import { impression, range, writeNdjson } from '../helpers/late-data-fixture.js';

const { open } = useTempWarehouse('loopmeter-page-caches-');
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'ingest', name);

// "Answered from memory" is seen as the very same array coming back: a fresh
// query would build a new one.
describe('audit log page cache', () => {
	it('answers repeated visits from memory, and shows a new entry on the very next visit', async () => {
		await open();
		await audit({ actor: 'alice', action: 'login', ip: '10.0.0.1' });
		const first = await cachedAuditLog({});
		expect(first.map((r) => [r.actor, r.action])).toEqual([['alice', 'login']]);
		expect(await cachedAuditLog({})).toBe(first);

		await audit({ actor: 'alice', action: 'user.add', target: 'bob' });
		const after = await cachedAuditLog({});
		expect(after).not.toBe(first);
		expect(after.map((r) => [r.actor, r.action, r.target])).toEqual([
			['alice', 'user.add', 'bob'],
			['alice', 'login', '']
		]);
		// Each filter is its own answer; limit is part of it.
		expect((await cachedAuditLog({ action: 'login' })).map((r) => r.action)).toEqual(['login']);
		expect(await cachedAuditLog({ limit: 1 })).toHaveLength(1);
		expect(await cachedAuditLog({})).toBe(after);
	});
});

describe('ingest page cache', () => {
	it('answers repeated visits from memory; a new run and its refused rows show on the next visit', async () => {
		await open();
		// users.csv: 3 good rows, 3 refused (see ingest.test.ts).
		await ingest({ source: 'users', paths: [fixture('users.csv')], quiet: true, maxErrors: '100%', actor: 'cache-test' });
		const visit = async (source?: 'users' | 'ad_revenue') => {
			const b = await cachedBookkeeping({ source, limit: 200 });
			return { runs: await b.runs, reasons: await b.reasons, letters: await b.letters };
		};
		const first = await visit();
		expect(first.runs.map((r) => [r.source, r.outcome, r.rows_loaded, r.rows_rejected])).toEqual([['users', 'succeeded', 3, 3]]);
		expect(first.letters).toHaveLength(3);
		expect(first.reasons.reduce((n, r) => n + r.rows, 0)).toBe(3);
		const again = await visit();
		expect(again.runs).toBe(first.runs);
		expect(again.letters).toBe(first.letters);
		expect(again.reasons).toBe(first.reasons);

		await ingest({ source: 'ad_revenue', paths: [fixture('ad_revenue.csv')], quiet: true, maxErrors: '100%', actor: 'cache-test' });
		const after = await visit();
		expect(after.runs.map((r) => r.source)).toEqual(['ad_revenue', 'users']);
		expect((await visit('users')).runs.map((r) => r.source)).toEqual(['users']);
	});

	it('rows per day follow the source tables’ data version', async () => {
		const period = ['2026-05-29', '2026-06-02'] as const;
		const days = await cachedRowsPerDay(...period);
		expect(await cachedRowsPerDay(...period)).toBe(days);
		const videosOn = (d: typeof days, day: string) => d.days.find((x) => x.source === 'videos' && x.day === day)?.rows;
		expect(videosOn(days, '2026-05-30')).toBe(0);
		await ingest({ source: 'videos', paths: [fixture('videos.csv')], quiet: true, maxErrors: '100%', actor: 'cache-test' });
		// The source version is remembered 5 s like the panels'; forgetting it stands for that time passing.
		sourceDataVersion.forget();
		const after = await cachedRowsPerDay(...period);
		expect(after).not.toBe(days);
		// videos.csv: v1 and v2 were created on 2026-05-30.
		expect(videosOn(after, '2026-05-30')).toBeGreaterThanOrEqual(2);
	});
});

// The Engagement and Feed health pages used to keep a second cache keyed by the
// last day with data, for 10 minutes: late rows for a day already shown stayed
// hidden that long. Their panels now come from the one panel cache, keyed by
// the data version that every ingest forgets.
describe('engagement and feed health panels', () => {
	it('show late data for a day already shown on the very next visit', async () => {
		await open();
		const load = async (name: string, ids: number[]) => {
			const [report] = await ingest({ source: 'engagement', paths: [writeNdjson(name, ids)], quiet: true, actor: 'cache-test' });
			expect(report?.rows_loaded).toBe(ids.length);
		};
		// Impressions 0..199 cover 2026-10-01 .. 2026-10-10.
		await load('cache-first.ndjson', range(0, 200));
		const input = { metric: 'watch_hours', from: '2026-10-01', to: '2026-10-11', grain: 'total' } as const;
		const watchHours = async () => {
			const p = await metricPanel(input);
			expect(p.ok, p.ok ? '' : p.error).toBe(true);
			return p.ok ? Number(p.response.rows[0]?.value) : NaN;
		};
		const before = await watchHours();
		expect(await watchHours()).toBe(before);

		// Late rows for 2026-10-03, a day already shown: the last day with data stays 2026-10-10.
		const late = range(200, 400).filter((i) => i % 10 === 2);
		await load('cache-late.ndjson', late);
		const added = late.filter((i) => !impression(i).is_internal).reduce((s, i) => s + impression(i).watch_ms, 0) / 3_600_000;
		expect(added).toBeGreaterThan(0);
		expect((await watchHours()) - before).toBeCloseTo(added, 9);
	});
});
