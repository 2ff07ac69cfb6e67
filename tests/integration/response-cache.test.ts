import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestUser, login, startDevServer, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-response-cache-');

import { ingest } from '../../ingest/index.js';
import { clearResponseCache } from '../../src/lib/server/response-cache.js';

/**
 * Rendered pages, `__data.json` and metric API answers are kept per data
 * version, URL and viewer (src/lib/server/response-cache.ts) and answered
 * with 304 to a browser that holds them. What must never happen: a response
 * kept for one role reaching another, or one person's page (their name in the
 * header) reaching another person.
 */
let srv: TestServer;
const cookies: Record<string, string> = {};
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'ingest', name);
const PERIOD = 'from=2026-10-01&to=2026-10-08';

beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	for (const [name, role] of [
		['fin-ann', 'finance'],
		['fin-bob', 'finance'],
		['exec-eve', 'exec']
	] as const) {
		await createTestUser(name, role);
		cookies[name] = await login(srv.url, name, `${name}-password-123`);
	}
}, 600_000);
afterAll(async () => srv?.close());

async function get(path: string, who: string, headers: Record<string, string> = {}) {
	const res = await fetch(`${srv.url}${path}`, { redirect: 'manual', headers: { cookie: cookies[who]!, ...headers } });
	const body = await res.text();
	return { status: res.status, body, etag: res.headers.get('etag'), cache: res.headers.get('x-loopmeter-cache'), control: res.headers.get('cache-control') };
}

/** The response is kept once its (streamed) body has ended: ask until it is, as a second visit would. */
async function untilKept(path: string, who: string) {
	for (let i = 0; i < 50; i++) {
		const r = await get(path, who);
		if (r.cache === 'hit') return r;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`${path} for ${who} was never kept`);
}

describe('rendered responses per data version, URL and viewer', () => {
	it('answers a repeated page view with 304 and an empty body, privately', async () => {
		clearResponseCache();
		const first = await get(`/unit-economics?${PERIOD}`, 'fin-ann');
		expect(first.status).toBe(200);
		expect(first.cache).toBe('miss');
		expect(first.etag).toMatch(/^W\/".+"$/);
		expect(first.control).toBe('private, no-cache');
		const kept = await untilKept(`/unit-economics?${PERIOD}`, 'fin-ann');
		expect(kept.etag).toBe(first.etag);
		expect(kept.body).toBe(first.body);

		const again = await get(`/unit-economics?${PERIOD}`, 'fin-ann', { 'if-none-match': first.etag! });
		expect(again.status).toBe(304);
		expect(again.body).toBe('');
		expect(again.etag).toBe(first.etag);
		expect(again.control).toMatch(/^private/);

		// The same for a client-side navigation's __data.json and for the metric API.
		for (const path of [`/unit-economics/__data.json?${PERIOD}&x-sveltekit-invalidated=01`, `/api/v1/metrics/compute_spend?${PERIOD}`]) {
			const d = await get(path, 'fin-ann');
			expect(d.status).toBe(200);
			const k = await untilKept(path, 'fin-ann');
			expect((await get(path, 'fin-ann', { 'if-none-match': k.etag! })).status).toBe(304);
		}
	});

	it('gives a new ETag once an ingest changed the data', async () => {
		clearResponseCache();
		const path = `/api/v1/metrics/compute_spend?${PERIOD}`;
		await get(path, 'fin-ann');
		const before = await untilKept(path, 'fin-ann');
		// The dev server's copy of the data version is the one this process forgets on ingest (per-data-version.ts).
		const [report] = await ingest({ source: 'gpu_fleet', paths: [fixture('gpu_fleet.ndjson')], quiet: true, actor: 'response-cache-test' });
		expect(report?.rows_loaded, JSON.stringify(report)).toBeGreaterThan(0);
		const after = await get(path, 'fin-ann', { 'if-none-match': before.etag! });
		expect(after.status).toBe(200);
		expect(after.cache).toBe('miss');
		expect(after.etag).not.toBe(before.etag);
		// The same page view before the ingest answered 304 to this ETag; now only the new one does.
		const kept = await untilKept(path, 'fin-ann');
		expect(kept.etag).toBe(after.etag);
		expect((await get(path, 'fin-ann', { 'if-none-match': after.etag! })).status).toBe(304);
	});

	it('never gives an exec a response kept for finance', async () => {
		clearResponseCache();
		for (const path of [`/unit-economics?${PERIOD}`, `/unit-economics/__data.json?${PERIOD}&x-sveltekit-invalidated=01`, `/api/v1/metrics/compute_spend?${PERIOD}`]) {
			await get(path, 'fin-ann');
			const finance = await untilKept(path, 'fin-ann');
			const exec = await get(path, 'exec-eve', { 'if-none-match': finance.etag! });
			expect(exec.status, path).toBe(200);
			expect(exec.cache, path).toBe('miss');
			expect(exec.etag, path).not.toBe(finance.etag);
			if (!path.includes('/api/')) expect(exec.body, path).not.toContain('fin-ann');
		}
		// A finance-only page stays refused to the exec, kept or not.
		await get(`/compute?${PERIOD}`, 'fin-ann');
		await untilKept(`/compute?${PERIOD}`, 'fin-ann');
		expect((await get(`/compute?${PERIOD}`, 'exec-eve')).status).toBe(403);
	});

	it('shares a layout-free navigation within a role, never a page that names its person', async () => {
		clearResponseCache();
		const data = `/unit-economics/__data.json?${PERIOD}&x-sveltekit-invalidated=01`;
		await get(data, 'fin-ann');
		const ann = await untilKept(data, 'fin-ann');
		const bob = await get(data, 'fin-bob', { 'if-none-match': ann.etag! });
		expect(bob.status).toBe(304);

		const html = `/unit-economics?${PERIOD}`;
		await get(html, 'fin-ann');
		const annPage = await untilKept(html, 'fin-ann');
		expect(annPage.body).toContain('fin-ann');
		const bobPage = await get(html, 'fin-bob', { 'if-none-match': annPage.etag! });
		expect(bobPage.status).toBe(200);
		expect(bobPage.cache).toBe('miss');
		expect(bobPage.body).toContain('fin-bob');
		expect(bobPage.body).not.toContain('fin-ann');
		// __data.json with the layout node (a full reload's data) names the person too.
		const full = `/unit-economics/__data.json?${PERIOD}`;
		await get(full, 'fin-ann');
		await untilKept(full, 'fin-ann');
		const bobFull = await get(full, 'fin-bob');
		expect(bobFull.cache).toBe('miss');
		expect(bobFull.body).not.toContain('fin-ann');
	});
});
