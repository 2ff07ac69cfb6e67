import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { audit } from '../../src/lib/server/audit/index.js';
import { cachedAuditLog } from '../../src/lib/server/cache/audit-log.js';
import { cachedBookkeeping, cachedRowsPerDay } from '../../src/lib/server/cache/ingest-page.js';
import { sourceDataVersion } from '../../src/lib/server/cache/per-data-version.js';

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
