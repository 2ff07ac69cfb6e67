import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestToken, createTestUser, login, postForm, startDevServer, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-authapi-');

import { resetAuthSettings } from '../../src/lib/server/auth/index.js';
import { listTokens } from '../../src/lib/server/auth/tokens.js';
import { findUser } from '../../src/lib/server/auth/users.js';
import { listAudit } from '../../src/lib/server/audit/index.js';
import { query } from '../../src/lib/server/warehouse/index.js';

let srv: TestServer;
let admin: string;
let exec: string;
const PERIOD = 'from=2026-10-01&to=2026-10-08';

beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
	admin = await login(srv.url, (await createTestUser('api-admin', 'admin')).name, 'api-admin-password-123');
	exec = await login(srv.url, (await createTestUser('api-exec', 'exec')).name, 'api-exec-password-123');
}, 600_000);
afterAll(async () => srv?.close());

const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${srv.url}${path}`, { redirect: 'manual', headers });
const post = (path: string, headers: Record<string, string>, body = '') => fetch(`${srv.url}${path}`, { method: 'POST', redirect: 'manual', headers, body });
const passes = (status: number) => status !== 401 && status !== 403;
// The dev server shares this process's auth settings: a fresh limiter for the next test.
const authReset = () => resetAuthSettings();

describe('API tokens', () => {
	it('metrics:read opens the metrics API and non-user drill-downs, nothing else', async () => {
		const t = await createTestToken(['metrics:read']);
		const ok = await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer(t));
		expect(ok.status).toBe(200);
		expect((await ok.json()).metric).toBe('compute_spend');
		expect(passes((await get(`/api/v1/metrics/compute_spend/rows?${PERIOD}`, bearer(t))).status)).toBe(true);
		// Drill-downs listing end users need a person with a user-level role.
		expect((await get(`/api/v1/metrics/watch_hours/rows?${PERIOD}`, bearer(t))).status).toBe(403);
		// Creators, remix chains and the watchlist list creator_id, a user id: user-level too.
		for (const id of ['creator_concentration', 'remix_depth', 'cameo_unconsented_share', 'copyright_share']) {
			expect({ id, status: (await get(`/api/v1/metrics/${id}/rows?${PERIOD}`, bearer(t))).status }).toEqual({ id, status: 403 });
		}
		expect((await get('/', bearer(t))).status).toBe(403);
		expect((await post('/api/v1/ingest/videos', bearer(t, { 'content-type': 'application/x-ndjson' }))).status).toBe(403);
		expect((await get('/api/v1/tokens', bearer(t))).status).toBe(403);
	});

	it('ingest:<source> opens only that source; ingest:* every source', async () => {
		const videos = await createTestToken(['ingest:videos'], 'videos-only');
		const any = await createTestToken(['ingest:*'], 'all-sources');
		const send = (source: string, token: string) => post(`/api/v1/ingest/${source}`, bearer(token, { 'content-type': 'application/x-ndjson' }), '');
		expect(passes((await send('videos', videos)).status)).toBe(true);
		expect((await send('users', videos)).status).toBe(403);
		expect(passes((await send('users', any)).status)).toBe(true);
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer(videos))).status).toBe(403);
	});

	it('unknown, malformed and revoked tokens get 401; revocation is immediate and audited', async () => {
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer('lm_not-a-real-token-at-all'))).status).toBe(401);
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, { authorization: 'Basic YTpi' })).status).toBe(401);

		const created = await fetch(`${srv.url}/api/v1/tokens`, {
			method: 'POST',
			headers: { cookie: admin, origin: srv.url, 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'to-revoke', scopes: ['metrics:read'] })
		});
		expect(created.status).toBe(201);
		const { id, token } = (await created.json()) as { id: string; token: string };
		expect(token).toMatch(/^lm_[A-Za-z0-9_-]{43}$/);
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer(token))).status).toBe(200);

		const del = await fetch(`${srv.url}/api/v1/tokens/${id}`, { method: 'DELETE', headers: { cookie: admin, origin: srv.url } });
		expect(del.status).toBe(200);
		expect((await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer(token))).status).toBe(401);
		const actions = (await listAudit({ actor: 'api-admin' })).map((a) => a.action);
		expect(actions).toContain('token.create');
		expect(actions).toContain('token.revoke');
		expect((await listAudit({ action: 'token.rejected' })).length).toBeGreaterThan(0);
	});

	it('stores only digests and records the last use', async () => {
		const t = await createTestToken(['metrics:read'], 'usage');
		await get(`/api/v1/metrics/compute_spend?${PERIOD}`, bearer(t));
		const row = (await listTokens()).find((x) => x.name === 'usage')!;
		expect(row.last_used_at).not.toBeNull();
		expect(row.last_ip).toMatch(/127\.0\.0\.1|::1/);
		const stored = await query<{ token_hash: string }>('SELECT token_hash FROM auth_tokens', { tag: 'test' });
		expect(stored.some((s) => s.token_hash.includes(t.slice(3)))).toBe(false);
	});

	it('the token admin API validates its body and names the field', async () => {
		const res = await fetch(`${srv.url}/api/v1/tokens`, {
			method: 'POST',
			headers: { cookie: admin, origin: srv.url, 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'x', scopes: ['root'] })
		});
		expect(res.status).toBe(400);
		expect((await res.json()).message).toMatch(/^scopes\.0: scope must be one of/);
		expect((await get('/api/v1/tokens', { cookie: exec })).status).toBe(403);
	});
});

describe('alerts', () => {
	it('GET /api/v1/alerts shows each rule only to whoever may see its metric (product-only indicators stay with product)', async () => {
		const product = await login(srv.url, (await createTestUser('alerts-product', 'product')).name, 'alerts-product-password-123');
		const finance = await login(srv.url, (await createTestUser('alerts-finance', 'finance')).name, 'alerts-finance-password-123');
		const t = await createTestToken(['metrics:read'], 'alerts-reader');
		const metricsOf = async (headers: Record<string, string>) => {
			const res = await get('/api/v1/alerts', headers);
			expect(res.status).toBe(200);
			const body = (await res.json()) as { rules: { metric: string }[]; breaches: { metric: string }[] };
			return [...new Set([...body.rules, ...body.breaches].map((x) => x.metric))].sort();
		};
		const all = await metricsOf({ cookie: product });
		const productOnly = ['satisfaction_rate', 'feed_diversity', 'divergence'].filter((m) => all.includes(m));
		expect(productOnly.length).toBeGreaterThan(0);
		for (const [who, headers] of [['exec', { cookie: exec }], ['finance', { cookie: finance }], ['token', bearer(t)]] as const) {
			const seen = await metricsOf(headers);
			expect({ who, leaked: seen.filter((m) => productOnly.includes(m)) }).toEqual({ who, leaked: [] });
		}
		expect(await metricsOf({ cookie: admin })).toEqual(all);
	});
});

describe('CSRF', () => {
	it("SvelteKit's origin check stays on in svelte.config.js", () => {
		const cfg = readFileSync(new URL('../../svelte.config.js', import.meta.url), 'utf8');
		expect(cfg).not.toMatch(/checkOrigin\s*:\s*false/);
		expect(cfg).toMatch(/trustedOrigins:\s*\[\]/);
	});

	it('refuses cross-site form posts and cross-site writes with a session cookie', async () => {
		const evil = { origin: 'http://evil.example' };
		const signIn = await postForm(srv.url, '/login', { name: 'api-admin', password: 'api-admin-password-123' }, evil);
		expect(signIn.status).toBe(403);
		expect(await signIn.text()).toContain('Cross-site POST requests are refused');

		const add = await postForm(srv.url, '/admin?/addUser', { name: 'planted', role: 'admin' }, { ...evil, cookie: admin });
		expect(add.status).toBe(403);
		const noOrigin = await fetch(`${srv.url}/admin?/addUser`, {
			method: 'POST',
			redirect: 'manual',
			headers: { cookie: admin, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			body: 'name=planted&role=admin'
		});
		expect(noOrigin.status).toBe(403);
		const json = await fetch(`${srv.url}/api/v1/tokens`, { method: 'POST', headers: { ...evil, cookie: admin, 'content-type': 'application/json' }, body: '{"name":"x","scopes":["ingest:*"]}' });
		expect(json.status).toBe(403);
		expect(await findUser('planted')).toBeUndefined();

		// The same form from the app's own origin works.
		const same = await postForm(srv.url, '/admin?/addUser', { name: 'planted', role: 'exec' }, { cookie: admin });
		expect(same.status).toBe(200);
		expect((await findUser('planted'))?.role).toBe('exec');
		expect((await listAudit({ action: 'user.add', actor: 'api-admin' })).map((a) => a.target)).toContain('planted');
	});
});

describe('sign-in throttling', () => {
	it('locks an account after repeated failures and then an address, with Retry-After, all audited', async () => {
		process.env.LOOPMETER_LOGIN_MAX_FAILURES = '3';
		process.env.LOOPMETER_LOGIN_IP_MAX_FAILURES = '5';
		resetAuthSettings();
		try {
			await createTestUser('victim', 'finance');
			await createTestUser('bystander', 'finance');
			const attempt = (name: string, password: string) => postForm(srv.url, '/login', { name, password });
			for (let i = 0; i < 3; i++) expect((await attempt('victim', 'wrong-password-xx')).status).toBe(400);
			const locked = await attempt('victim', 'victim-password-123');
			expect(locked.status).toBe(429);
			expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
			expect(await locked.text()).toContain('Too many failed sign-ins for this account');

			// Another account still signs in until the address itself is over its limit.
			expect((await attempt('bystander', 'bystander-password-123')).status).toBe(303);
			for (let i = 0; i < 2; i++) expect((await attempt('bystander', 'wrong-password-xx')).status).toBe(400);
			const blocked = await attempt('bystander', 'bystander-password-123');
			expect(blocked.status).toBe(429);
			expect(await blocked.text()).toContain('Too many failed sign-ins for this address');

			expect((await listAudit({ action: 'login.failed' })).filter((a) => a.target === 'victim')).toHaveLength(3);
			expect((await listAudit({ action: 'login.locked' })).length).toBeGreaterThanOrEqual(2);
		} finally {
			delete process.env.LOOPMETER_LOGIN_MAX_FAILURES;
			delete process.env.LOOPMETER_LOGIN_IP_MAX_FAILURES;
			resetAuthSettings();
		}
	});

	it('a burst of 30 parallel wrong passwords evaluates at most the limit, and refusals write a bounded number of audit rows', async () => {
		await createTestUser('burst', 'finance');
		const before = (await listAudit({ action: 'login.locked', limit: 10_000 })).length;
		const answers = await Promise.all(Array.from({ length: 30 }, () => postForm(srv.url, '/login', { name: 'burst', password: 'wrong-password-xx' })));
		const statuses = answers.map((r) => r.status);
		// 5 = LOOPMETER_LOGIN_MAX_FAILURES: every other attempt is refused before the password is looked at.
		expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
		expect(statuses.filter((s) => s !== 400).every((s) => s === 429)).toBe(true);
		expect((await listAudit({ action: 'login.failed', limit: 10_000 })).filter((a) => a.target === 'burst').length).toBeLessThanOrEqual(5);
		// 60 more while locked: refusals are aggregated, not one row each.
		for (let i = 0; i < 60; i++) await (await postForm(srv.url, '/login', { name: 'burst', password: 'wrong-password-xx' })).arrayBuffer();
		const locked = (await listAudit({ action: 'login.locked', limit: 10_000 })).length - before;
		expect(locked).toBeGreaterThan(0);
		expect(locked).toBeLessThanOrEqual(4);
		// The right password is refused too while the lock holds.
		expect((await postForm(srv.url, '/login', { name: 'burst', password: 'burst-password-123' })).status).toBe(429);
		authReset();
	});

	it('a password typed into the name field never reaches the audit log as typed', async () => {
		await postForm(srv.url, '/login', { name: 'Tr0ub4dor&3-my-password', password: 'x' });
		const rows = await listAudit({ action: 'login.failed', limit: 10_000 });
		expect(JSON.stringify(rows)).not.toContain('Tr0ub4dor');
		expect(rows.some((r) => /^unknown name \(23 chars, sha256 [0-9a-f]{8}\)$/.test(r.actor))).toBe(true);
		authReset();
	});

	it('answers the same for an unknown name and a wrong password', async () => {
		const a = await postForm(srv.url, '/login', { name: 'nobody-here', password: 'whatever-123' });
		const b = await postForm(srv.url, '/login', { name: 'api-exec', password: 'whatever-123' });
		expect(a.status).toBe(400);
		expect(b.status).toBe(400);
		const msg = (html: string) => /Wrong name or password\./.test(html);
		expect(msg(await a.text()) && msg(await b.text())).toBe(true);
	});
});

describe('hardening', () => {
	it('sends security headers and a nonce-based CSP that forbids framing', async () => {
		const res = await get('/login', { accept: 'text/html' });
		expect(res.status).toBe(200);
		const csp = res.headers.get('content-security-policy')!;
		expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toContain("object-src 'none'");
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('referrer-policy')).toBe('same-origin');
		expect(res.headers.get('x-frame-options')).toBe('DENY');
		expect(res.headers.get('permissions-policy')).toContain('camera=()');
		const api = await get(`/api/v1/metrics/compute_spend?${PERIOD}`, { cookie: exec });
		// Kept per viewer and data version (server/response-cache.ts): never in a shared cache, and the
		// browser must revalidate (If-None-Match → 304) before reusing it.
		expect(api.headers.get('cache-control')).toBe('private, no-cache');
		expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
	});

	it('refuses oversized and unknown-length bodies outside upload routes', async () => {
		const big = await fetch(`${srv.url}/login`, {
			method: 'POST',
			headers: { origin: srv.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
			body: 'name=x&password=' + 'a'.repeat(1_100_000)
		});
		expect(big.status).toBe(413);
		const chunked = await fetch(`${srv.url}/login`, {
			method: 'POST',
			headers: { origin: srv.url, 'content-type': 'application/x-www-form-urlencoded' },
			body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('name=x')), c.close()) }),
			duplex: 'half'
		} as RequestInit);
		expect(chunked.status).toBe(411);
	});

	it('audits CSV exports and drill-downs with who and what', async () => {
		const csv = await get(`/api/v1/metrics/compute_spend?${PERIOD}&format=csv`, { cookie: exec });
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
		const drill = await get(`/api/v1/metrics/compute_spend/rows?${PERIOD}`, { cookie: admin });
		expect(passes(drill.status)).toBe(true);
		const exports = await listAudit({ action: 'export.csv', actor: 'api-exec' });
		expect(exports[0]?.target).toBe(`/api/v1/metrics/compute_spend?${PERIOD}&format=csv`);
		if (drill.status === 200) expect((await listAudit({ action: 'export.drilldown', actor: 'api-admin' })).length).toBe(1);
		// Refusals are recorded too.
		await get(`/api/v1/metrics/watch_hours/rows?${PERIOD}`, { cookie: exec });
		expect((await listAudit({ action: 'access.denied', actor: 'api-exec' }))[0]?.target).toBe('GET /api/v1/metrics/watch_hours/rows');
	});
});
