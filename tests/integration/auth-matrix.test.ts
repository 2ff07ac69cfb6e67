import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestUser, login, routesOnDisk, startDevServer, warmUp, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-matrix-');

import type { Role } from '../../src/lib/server/auth/access.js';

/**
 * Every route on disk × every role (and nobody), against a real dev server.
 * The expectations below are written from the access rules of the product
 * (issue 9), not read from src/lib/server/auth/access.ts, so a slip in that
 * table shows up here. A route this file cannot classify fails the test: give
 * it a rule in access.ts and an expectation here.
 */
type Who = 'anonymous' | Role;
const ROLES: Role[] = ['exec', 'finance', 'product', 'admin'];
const ALL = ROLES;
const FINANCE: Role[] = ['finance', 'admin'];
const PRODUCT: Role[] = ['product', 'admin'];
const ADMIN: Role[] = ['admin'];

const PAGE_ROLES: Record<string, Role[]> = {
	'': ALL, // Overview
	'unit-economics': ALL,
	glossary: ALL,
	annotations: ALL,
	digest: ALL,
	compute: FINANCE,
	revenue: FINANCE,
	engagement: PRODUCT,
	'feed-health': PRODUCT,
	ingest: ADMIN,
	admin: ADMIN
};

/** Sample metrics for [id]: the page they belong to and whether their drill-down lists end users. */
const METRICS: Record<string, { page: string; userRows: boolean }> = {
	compute_spend: { page: '', userRows: false },
	watch_hours: { page: '', userRows: true },
	dead_compute: { page: 'compute', userRows: true },
	satisfaction_rate: { page: 'engagement', userRows: true }
};
const USER_LEVEL: Role[] = ['product', 'admin'];

type Expect = 'public' | 'signed-in' | Role[];

function expected(routeId: string, method: string, metric?: string): Expect {
	const write = method !== 'GET';
	if (routeId === '/login' || routeId === '/healthz') return 'public';
	if (routeId === '/api/v1/stripe/webhook' && method === 'POST') return 'public';
	if (routeId === '/logout' || routeId === '/login/password') return 'signed-in';
	const m = metric ? METRICS[metric]! : undefined;
	if (routeId === '/api/v1/metrics/[id]' || routeId === '/api/v1/metrics/[id]/sql') return PAGE_ROLES[m!.page]!;
	if (routeId === '/api/v1/metrics/[id]/rows' || routeId === '/glossary/[id]/rows') {
		return PAGE_ROLES[m!.page]!.filter((r) => !m!.userRows || USER_LEVEL.includes(r));
	}
	if (routeId.startsWith('/api/v1/ingest') || routeId.startsWith('/api/v1/tokens')) return ADMIN;
	if (routeId === '/api/v1/alerts') return write ? ADMIN : ALL;
	if (routeId === '/api/v1/experiments/[experiment]') return write ? ADMIN : PRODUCT;
	if (routeId === '/api/v1/annotations' || routeId === '/api/v1/annotations/[annotation]') return ALL;
	if (routeId === '/api/v1/budgets') return write ? ADMIN : FINANCE;
	if (routeId === '/api/v1/finance/restatements' || routeId === '/api/v1/finance/months') return write ? ADMIN : FINANCE;
	if (routeId.startsWith('/api/')) throw new Error(`unclassified API route ${routeId}`);
	const first = routeId.split('/')[1] ?? '';
	const page = PAGE_ROLES[first];
	if (!page) throw new Error(`unclassified page ${routeId}`);
	// Form actions on pages that change what everyone sees are admin-only.
	if (write && ['feed-health', 'ingest', 'admin', 'glossary'].includes(first)) return ADMIN;
	return page;
}

const SAMPLE_PARAMS: Record<string, string> = { source: 'videos' };
const QUERY = '?from=2026-10-01&to=2026-10-08';

interface Case {
	route: string;
	method: string;
	path: string;
	metric?: string;
}

function cases(): Case[] {
	const out: Case[] = [];
	for (const r of routesOnDisk()) {
		for (const method of r.methods) {
			const metrics = r.id.includes('[id]') ? Object.keys(METRICS) : [undefined];
			for (const metric of metrics) {
				const path = r.id.replace(/\[(?:\.\.\.)?([a-z_]+)\]/g, (_, p: string) => (p === 'id' ? metric! : (SAMPLE_PARAMS[p] ?? 'x')));
				out.push({ route: r.id, method, path, metric });
			}
		}
	}
	return out;
}

let srv: TestServer;
const cookies: Partial<Record<Role, string>> = {};

beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	for (const r of ROLES) {
		const u = await createTestUser(`matrix-${r}`, r);
		cookies[r] = await login(srv.url, u.name, u.password);
	}
});
afterAll(async () => srv?.close());

async function send(c: Case, who: Who): Promise<Response> {
	const headers: Record<string, string> = { accept: c.path.startsWith('/api/') ? 'application/json' : 'text/html' };
	if (who !== 'anonymous') headers.cookie = cookies[who]!;
	if (c.method === 'GET') return fetch(`${srv.url}${c.path}${QUERY}`, { redirect: 'manual', headers });
	// Writes carry an empty, same-origin body: enough for the access decision, which comes first.
	return fetch(`${srv.url}${c.path}`, {
		method: c.method,
		redirect: 'manual',
		headers: { ...headers, origin: srv.url, 'content-type': 'application/json', 'content-length': '2' },
		body: '{}'
	});
}

describe('role matrix', () => {
	it('every route on disk is classified', () => {
		const unclassified: string[] = [];
		for (const c of cases()) {
			try {
				expected(c.route, c.method, c.metric);
			} catch (e) {
				unclassified.push(`${c.method} ${c.route}: ${(e as Error).message}`);
			}
		}
		expect(unclassified).toEqual([]);
	});

	it('every route × role gets exactly the access the rules give it', { timeout: 900_000 }, async () => {
		const jobs: { c: Case; who: Who; allowed: boolean }[] = [];
		for (const c of cases()) {
			let want: Expect;
			try {
				want = expected(c.route, c.method, c.metric);
			} catch {
				continue; // reported by the test above
			}
			for (const who of ['anonymous', ...ROLES] as Who[]) {
				const allowed = want === 'public' || (who !== 'anonymous' && (want === 'signed-in' || want.includes(who as Role)));
				// Allowed writes would act for real (ingest, alert rules): only refusals are exercised for writes.
				if (allowed && c.method !== 'GET') continue;
				jobs.push({ c, who, allowed });
			}
		}
		await warmUp(srv.url, [...new Set(jobs.filter((j) => j.c.method === 'GET').map((j) => `${j.c.path}${QUERY}`))], cookies.admin!);
		const wrong: string[] = [];
		const shadowed = new Set<string>();
		const check = async ({ c, who, allowed }: (typeof jobs)[number]) => {
			const res = await send(c, who);
			await res.arrayBuffer();
			// Vite's dev server answers an extensionless path that names a project folder (/ingest → ingest/index.ts)
			// with that module before SvelteKit sees the request; the production server has no such files.
			if ((res.headers.get('content-type') ?? '').startsWith('text/javascript')) {
				shadowed.add(c.path);
				return;
			}
			const loc = res.headers.get('location') ?? '';
			const toLogin = res.status === 303 && loc.startsWith('/login');
			let ok: boolean;
			if (allowed) ok = res.status !== 401 && res.status !== 403 && !toLogin;
			else if (who === 'anonymous') ok = c.method === 'GET' && !c.path.startsWith('/api/') ? toLogin : res.status === 401;
			else ok = res.status === 403;
			if (!ok) wrong.push(`${c.method} ${c.path} as ${who}: got ${res.status}${loc ? ` → ${loc}` : ''}, expected ${allowed ? 'access' : 'refusal'}`);
		};
		// A few at a time: pages render real panels on the dev server.
		const queue = [...jobs];
		await Promise.all(Array.from({ length: 4 }, async () => {
			for (let j = queue.shift(); j; j = queue.shift()) await check(j);
		}));
		expect(jobs.length).toBeGreaterThan(100);
		expect(wrong.sort()).toEqual([]);
		expect([...shadowed].filter((p) => p !== '/ingest')).toEqual([]);
	});

	/**
	 * The same routes, spelled so that a table reading the raw URL and the router
	 * would disagree: a percent-escaped letter where the router reads a plain one
	 * (`/glossary/%6Drr/rows` is `mrr` to the router), the escape in lower case,
	 * the escape itself escaped, and a trailing slash. None of them may open
	 * anything the plain path does not open for that person; escapes are refused
	 * outright, a trailing slash at most redirects to the plain path.
	 */
	it('every route × role × spelling (escaped, mixed-case escape, double-escaped, trailing slash) opens nothing more', { timeout: 900_000 }, async () => {
		const spellings = (c: Case): { how: string; path: string }[] => {
			const routeSegs = c.route.split('/');
			const segs = c.path.split('/');
			let at = routeSegs.findIndex((s) => s.startsWith('['));
			if (at < 0) at = segs.length - 1;
			const seg = segs[at] ?? '';
			const i = seg.search(/[a-z_]/);
			if (i < 0) return c.path === '/' ? [] : [{ how: 'trailing slash', path: `${c.path}/` }];
			const hex = seg.charCodeAt(i).toString(16);
			const swap = (esc: string) => segs.map((s, k) => (k === at ? s.slice(0, i) + esc + s.slice(i + 1) : s)).join('/');
			return [
				{ how: 'escaped', path: swap(`%${hex.toUpperCase()}`) },
				{ how: 'mixed-case escape', path: swap(`%${hex.toLowerCase()}`) },
				{ how: 'double-escaped', path: swap(`%25${hex.toUpperCase()}`) },
				...(c.path === '/' ? [] : [{ how: 'trailing slash', path: `${c.path}/` }])
			];
		};
		const jobs: { c: Case; who: Who; how: string; allowed: boolean }[] = [];
		for (const c of cases()) {
			let want: Expect;
			try {
				want = expected(c.route, c.method, c.metric);
			} catch {
				continue;
			}
			for (const who of ['anonymous', ...ROLES] as Who[]) {
				const allowed = want === 'public' || (who !== 'anonymous' && (want === 'signed-in' || want.includes(who as Role)));
				for (const v of spellings(c)) {
					// Allowed writes would act for real: only refusals are exercised for writes.
					if (allowed && c.method !== 'GET') continue;
					jobs.push({ c: { ...c, path: v.path }, who, how: v.how, allowed });
				}
			}
		}
		const wrong: string[] = [];
		const check = async ({ c, who, how, allowed }: (typeof jobs)[number]) => {
			const res = await send(c, who);
			const body = await res.text();
			if ((res.headers.get('content-type') ?? '').startsWith('text/javascript')) return; // Vite's own module answer (see above)
			const loc = res.headers.get('location') ?? '';
			const plain = c.path.replace(/\/$/, '');
			let ok: boolean;
			if (how === 'trailing slash') {
				// A redirect to the plain spelling (which the matrix above checks), or the plain path's own verdict.
				const toPlain = [301, 308].includes(res.status) && loc.split('?')[0] === plain;
				const refused = res.status === 401 || res.status === 403 || (res.status === 303 && loc.startsWith('/login'));
				ok = toPlain || refused || (allowed && res.status < 500);
			} else {
				ok = res.status === 400 && !/user_id|customer_id|mrr_usd/.test(body);
			}
			if (!ok) wrong.push(`${c.method} ${c.path} (${how}) as ${who}: got ${res.status}${loc ? ` → ${loc}` : ''}`);
		};
		const queue = [...jobs];
		await Promise.all(Array.from({ length: 4 }, async () => {
			for (let j = queue.shift(); j; j = queue.shift()) await check(j);
		}));
		expect(jobs.length).toBeGreaterThan(400);
		expect(wrong.sort()).toEqual([]);
	});

	it('the reported encoded drill-down URLs list no rows for exec and finance', async () => {
		for (const [who, path] of [
			['exec', '/glossary/%6Drr/rows'],
			['exec', '/glossary/watch%5Fhours/rows'],
			['finance', '/glossary/%73atisfaction_rate/rows'],
			['exec', '/api/v1/metrics/%6Drr/rows']
		] as const) {
			const res = await fetch(`${srv.url}${path}${QUERY}`, { redirect: 'manual', headers: { cookie: cookies[who]!, accept: 'text/html' } });
			const body = await res.text();
			expect({ who, path, status: res.status, leaks: /customer_id|user_id/.test(body) }).toEqual({ who, path, status: 400, leaks: false });
		}
	});

	it("the layout's nav lists exactly the pages of the role", { timeout: 300_000 }, async () => {
		const nav = async (who: Role) => {
			const html = await (await fetch(`${srv.url}/glossary`, { headers: { cookie: cookies[who]!, accept: 'text/html' } })).text();
			const header = html.slice(html.indexOf('<nav'), html.indexOf('</nav>'));
			return [...header.matchAll(/href="(\/[a-z-]*)/g)].map((m) => m[1]);
		};
		expect(await nav('exec')).toEqual(['/', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(await nav('finance')).toEqual(['/', '/compute', '/revenue', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(await nav('product')).toEqual(['/', '/engagement', '/feed-health', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(await nav('admin')).toEqual(['/', '/compute', '/revenue', '/engagement', '/feed-health', '/unit-economics', '/ingest', '/glossary', '/annotations', '/digest', '/admin']);
	});

	it('an unknown route is admin-only, not open', async () => {
		const res = await fetch(`${srv.url}/no-such-page`, { redirect: 'manual', headers: { cookie: cookies.finance!, accept: 'text/html' } });
		expect(res.status).toBe(403);
		const api = await fetch(`${srv.url}/api/v1/no-such-thing`, { headers: { cookie: cookies.exec! } });
		expect(api.status).toBe(403);
	});
});
