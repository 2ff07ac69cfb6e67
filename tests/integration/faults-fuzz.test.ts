import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestUser, login, routesOnDisk, startDevServer, warmUp, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-fuzz-');

import { dimensions } from '../../src/lib/contracts/metrics.js';

/**
 * Bad input on every API route's query string (routes read from src/routes, so
 * new ones are fuzzed too): each answer must be a 2xx or a 4xx, never a 5xx,
 * and a 400 must name the parameter it refuses.
 */
const PARAMS = ['from', 'to', 'grain', 'by', 'format', 'limit', 'active', 'source', 'what_if.gpu_price_factor', 'cluster'];
const VALUES = ['', 'x', '2026-02-30', '-1', '1e999', "' OR 1=1 --", '{from:Date}', '\u0000日本語', 'a'.repeat(3000), 'cluster,cluster,nope'];
const SAMPLE_PARAMS: Record<string, string[]> = { id: ['compute_spend', 'watch_hours', 'slop_index'], source: ['videos'] };
/** How a field may be named in a message: the metric contract calls `by` group_by and filters filters.<dim>. */
const ALIASES: Record<string, string[]> = { by: ['by', 'group_by'], ...Object.fromEntries(dimensions.map((d) => [d, [d, `filters.${d}`]])) };

let srv: TestServer;
let cookie: string;

beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	const u = await createTestUser('fuzz-admin', 'admin');
	cookie = await login(srv.url, u.name, u.password);
}, 600_000);
afterAll(async () => srv?.close());

function apiPaths(): string[] {
	const out: string[] = [];
	for (const r of routesOnDisk()) {
		if (r.kind !== 'endpoint' || !r.id.startsWith('/api/') || !r.methods.includes('GET')) continue;
		let paths = [r.id];
		for (const [name, samples] of Object.entries(SAMPLE_PARAMS)) {
			paths = paths.flatMap((p) => (p.includes(`[${name}]`) ? samples.map((s) => p.replace(`[${name}]`, s)) : [p]));
		}
		out.push(...paths.map((p) => p.replace(/\[[^\]]+\]/g, 'x')));
	}
	return out;
}

describe('query-string fuzz', () => {
	it('every API route answers bad parameters with 2xx/4xx, and a 400 names the field', { timeout: 900_000 }, async () => {
		const paths = apiPaths();
		expect(paths.length).toBeGreaterThan(5);
		await warmUp(srv.url, paths.map((p) => `${p}?from=2026-10-01&to=2026-10-08`), cookie);
		// A route may refuse even the plain request (e.g. a metric without a drill-down): the same 400 is no finding.
		const baseline = new Map<string, string>();
		for (const p of paths) {
			const res = await fetch(`${srv.url}${p}?from=2026-10-01&to=2026-10-08`, { headers: { cookie, accept: 'application/json' } });
			const text = await res.text();
			if (res.status === 400) baseline.set(p, text);
		}
		const problems: string[] = [];
		const jobs: [string, string, string][] = [];
		for (const path of paths) for (const param of PARAMS) for (const value of VALUES) jobs.push([path, param, value]);
		const check = async ([path, param, value]: [string, string, string]) => {
			const sp = new URLSearchParams({ from: '2026-10-01', to: '2026-10-08' });
			sp.set(param, value);
			const res = await fetch(`${srv.url}${path}?${sp}`, { headers: { cookie, accept: 'application/json' } });
			const text = await res.text();
			const label = `${path}?${param}=${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
			if (res.status >= 500) problems.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
			else if (res.status === 400 && baseline.get(path) !== text) {
				let message = '';
				try {
					message = (JSON.parse(text) as { message?: string }).message ?? '';
				} catch {
					message = text;
				}
				const names = ALIASES[param] ?? [param];
				if (!names.some((n) => message.includes(n))) problems.push(`${label}: 400 without naming ${param}: ${message.slice(0, 160)}`);
			}
			if (/\bat .+\.(ts|js):\d+/.test(text)) problems.push(`${label}: stack trace in the response`);
		};
		const queue = [...jobs];
		await Promise.all(
			Array.from({ length: 4 }, async () => {
				for (let j = queue.shift(); j; j = queue.shift()) await check(j);
			})
		);
		expect(problems).toEqual([]);
	});
});
