import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestToken, createTestUser, login, startDevServer, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-faults-');

import { closeWarehouse, command, query, QueryTimeoutError, WarehouseDiskFullError } from '../../src/lib/server/warehouse/index.js';
import { classifyFault, forgetHealth } from '../../src/lib/server/http/faults.js';

let srv: TestServer;
let cookie: string;
let token: string;
const PERIOD = 'from=2026-10-01&to=2026-10-08';

beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	const u = await createTestUser('fault-admin', 'admin');
	cookie = await login(srv.url, u.name, u.password);
	token = await createTestToken(['metrics:read', 'ingest:*']);
}, 600_000);
afterAll(async () => {
	delete process.env.CLICKHOUSE_URL;
	await srv?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${srv.url}${path}`, { redirect: 'manual', headers });

describe('warehouse unreachable', () => {
	it('keeps serving: 503 JSON for the API, a page with a banner, the sign-in page, and recovers', { timeout: 300_000 }, async () => {
		// Warm the pages and the credentials while the warehouse is up.
		expect((await get('/glossary', { cookie })).status).toBe(200);
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, { authorization: `Bearer ${token}` })).status).toBe(200);

		// Point the process at a ClickHouse server that is not there.
		await closeWarehouse();
		process.env.CLICKHOUSE_URL = 'http://127.0.0.1:9';
		forgetHealth();
		try {
			const health = await get('/healthz');
			expect(health.status).toBe(503);
			expect(await health.json()).toEqual({ status: 'degraded', warehouse: 'warehouse_unavailable' });

			const api = await get(`/api/v1/metrics/compute_spend?${PERIOD}`, { authorization: `Bearer ${token}` });
			expect(api.status).toBe(503);
			expect(api.headers.get('retry-after')).toBe('5');
			const body = (await api.json()) as { message: string };
			expect(body.message).toContain('The warehouse is unreachable');
			expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1:9|at .*\.ts|ECONNREFUSED/);

			// Signed-in people still get pages (from the short-lived session memory), with the banner.
			const page = await get('/glossary', { cookie, accept: 'text/html' });
			expect([200, 503]).toContain(page.status);
			expect(await page.text()).toContain('The warehouse is unreachable');

			// A visitor with no session gets a clear 503 page, not a crash; the sign-in page still renders.
			const anon = await get('/glossary', { cookie: 'loopmeter_session=unknown', accept: 'text/html' });
			expect(anon.status).toBe(503);
			expect(await anon.text()).toContain('Warehouse unavailable');
			expect((await get('/login', { accept: 'text/html' })).status).toBe(200);
		} finally {
			delete process.env.CLICKHOUSE_URL;
			await closeWarehouse();
			forgetHealth();
		}
		expect((await get('/healthz')).status).toBe(200);
		const back = await get('/glossary', { cookie, accept: 'text/html' });
		expect(back.status).toBe(200);
		expect(await back.text()).not.toContain('The warehouse is unreachable');
	});
});

describe('query timeout', () => {
	it('the engine stops a query past LOOPMETER_QUERY_TIMEOUT_MS and it is reported as a timeout, not a crash', { timeout: 120_000 }, async () => {
		await closeWarehouse();
		process.env.LOOPMETER_QUERY_TIMEOUT_MS = '1000';
		try {
			const started = Date.now();
			const err = await query('SELECT sleepEachRow(0.25) FROM numbers(40) SETTINGS max_block_size = 1', { tag: 'slow-test' }).catch((e) => e);
			expect(err).toBeInstanceOf(QueryTimeoutError);
			expect(Date.now() - started).toBeLessThan(8_000);
			expect(classifyFault(err)?.code).toBe('query_timeout');
			// The next query runs normally.
			expect(await query<{ x: number }>('SELECT 1 AS x', { tag: 'after-timeout' })).toEqual([{ x: 1 }]);
		} finally {
			delete process.env.LOOPMETER_QUERY_TIMEOUT_MS;
			await closeWarehouse();
		}
	});
});

describe('disk full', () => {
	const csv = (rows: string[]) => `date,country,platform,ad_impressions,revenue_usd\n${rows.join('\n')}\n`;
	const upload = (file: string, body: string) =>
		fetch(`${srv.url}/api/v1/ingest/ad_revenue?file=${file}&format=csv`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
			body
		});
	const total = async () => (await query<{ n: string }>('SELECT toString(count()) AS n FROM ad_revenue FINAL', { tag: 'test' }))[0]!.n;

	it('an ingest that cannot write gets a clear 503 and everything committed before is intact', { timeout: 300_000 }, async () => {
		const first = await upload('day1.csv', csv(['2026-10-01,US,ios,1000,12.5', '2026-10-01,FR,android,500,4.25']));
		expect(first.status).toBe(200);
		expect(await total()).toBe('2');

		// ClickHouse refuses inserts when free space is under this threshold: the
		// same NOT_ENOUGH_SPACE path a full disk takes, without filling a real disk.
		await command('ALTER TABLE ad_revenue MODIFY SETTING min_free_disk_bytes_to_perform_insert = 1000000000000000000', { tag: 'test' });
		try {
			const full = await upload('day2.csv', csv(['2026-10-02,US,ios,900,11']));
			expect(full.status).toBe(503);
			const body = (await full.json()) as { code: string; message: string };
			expect(body.code).toBe('disk_full');
			expect(body.message).toContain('Everything already stored is intact');
			expect(await total()).toBe('2');
			const direct = await command("INSERT INTO ad_revenue (date, ad_impressions, revenue_usd, ingest_run_id) SELECT '2026-10-03', 1, 1, 'x'", { tag: 'test' }).catch((e) => e);
			expect(direct).toBeInstanceOf(WarehouseDiskFullError);
			expect(direct.message).toMatch(/is full: nothing was written/);
		} finally {
			await command('ALTER TABLE ad_revenue RESET SETTING min_free_disk_bytes_to_perform_insert', { tag: 'test' });
		}
		// Space is back: the same upload goes through and the earlier rows are still there.
		const retry = await upload('day2.csv', csv(['2026-10-02,US,ios,900,11']));
		expect(retry.status).toBe(200);
		expect(await total()).toBe('3');
	});
});
