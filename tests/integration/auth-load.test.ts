import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { signedIn, startDevServer, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-load-');

import { query } from '../../src/lib/server/warehouse/index.js';

let srv: TestServer;
let exec: string;
beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	exec = await signedIn(srv.url, 'exec', 'load-exec');
	// Compile the endpoints before anything is timed.
	await (await fetch(`${srv.url}/api/v1/metrics/slop_index?from=2026-10-01&to=2026-10-02`, { headers: { cookie: exec } })).arrayBuffer();
});
afterAll(async () => srv?.close());

/**
 * A parameterised statement that holds the engine for about 2.5 s without
 * using the CPU: what a wide panel query does to everyone queued behind it.
 * (chDB runs parameterised statements one at a time, process-wide.)
 */
const widePanel = () => query('SELECT sum(sleepEachRow(0.5)) AS s FROM numbers({n:UInt32})', { tag: 'test:wide-panel', params: { n: 5 } });

async function timed(path: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
	const started = performance.now();
	const res = await fetch(`${srv.url}${path}`, { headers });
	await res.arrayBuffer();
	return { status: res.status, ms: performance.now() - started };
}

describe('one viewer cannot stall everyone', () => {
	it('/healthz answers in under 1 s while panels hold the warehouse', async () => {
		const panels = [widePanel(), widePanel(), widePanel()];
		await new Promise((r) => setTimeout(r, 200));
		const health = await timed('/healthz');
		expect(health.status).toBe(200);
		expect(health.ms).toBeLessThan(1000);
		await Promise.all(panels);
	});

	it('an exec asking slop_index over 1980-2149 by day x arm x country x platform gets an answer or a refusal, and health stays fast meanwhile', async () => {
		const wide = '/api/v1/metrics/slop_index?from=1980-01-01&to=2149-01-01&grain=day&by=rec_arm,country,platform';
		const requests = [timed(wide, { cookie: exec }), timed(wide, { cookie: exec }), timed(wide, { cookie: exec })];
		await new Promise((r) => setTimeout(r, 200));
		const health = await timed('/healthz');
		expect(health.ms).toBeLessThan(1000);
		for (const r of await Promise.all(requests)) expect([200, 400]).toContain(r.status);
	});

	it('states the period it computed: never wider than the data or five years by day', async () => {
		const res = await fetch(`${srv.url}/api/v1/metrics/compute_spend?from=1980-01-01&to=2149-01-01&grain=day`, { headers: { cookie: exec } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { from: string; to: string };
		const today = new Date().toISOString().slice(0, 10);
		expect(body.to <= '2149-01-01' && body.to > today).toBe(true);
		expect((Date.parse(body.to) - Date.parse(body.from)) / 86_400_000).toBeLessThanOrEqual(5 * 366);
	});
});
