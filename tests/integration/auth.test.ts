import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { createTestUser, login, postForm, sessionCookie, startDevServer, type TestServer } from '../helpers/auth.js';

const wh = useTempWarehouse('loopmeter-auth-');

import { command, query } from '../../src/lib/server/warehouse/index.js';
import { resetAuthSettings, ensureFirstAdmin } from '../../src/lib/server/auth/index.js';
import { forgetDemoCheck } from '../../src/lib/server/auth/demo.js';
import { listAudit } from '../../src/lib/server/audit/index.js';
import { resetPassword } from '../../src/lib/server/auth/users.js';

let srv: TestServer;
beforeAll(async () => {
	await wh.open();
	srv = await startDevServer();
});
afterAll(async () => srv?.close());

/** The request got past access control (the page may not exist yet: 404 counts). */
const opens = (status: number) => ![301, 302, 303, 401, 403].includes(status);

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
	fetch(`${srv.url}${path}`, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });

describe('first start', () => {
	it('creates admin with a one-time password once, which must be replaced at first sign-in', async () => {
		const pw = await ensureFirstAdmin();
		expect(pw).toMatch(/^[A-Za-z0-9]{20}$/);
		expect(await ensureFirstAdmin()).toBeUndefined();
		const cookie = await login(srv.url, 'admin', pw!);
		const home = await get('/', cookie);
		expect(home.status).toBe(303);
		expect(home.headers.get('location')).toBe('/login/password');
		const api = await get('/api/v1/metrics/compute_spend?from=2026-01-01&to=2026-01-02', cookie);
		expect(api.status).toBe(403);

		const change = await postForm(srv.url, '/login/password', { current: pw!, password: 'a-much-better-password', confirm: 'a-much-better-password' }, { cookie });
		expect(change.status).toBe(303);
		const fresh = sessionCookie(change)!;
		expect(fresh).not.toBe(cookie);
		// The reset voided the old session; the new one works.
		expect((await get('/', cookie)).status).toBe(303);
		expect((await get('/', fresh)).status).toBe(200);
		expect((await listAudit({ action: 'password.change' })).map((r) => r.actor)).toEqual(['admin']);
	});
});

describe('sessions', () => {
	it('anonymous page requests are sent to /login with the page to return to; API calls get 401 JSON', async () => {
		const page = await get('/compute?from=2026-01-01');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe('/login?next=%2Fcompute%3Ffrom%3D2026-01-01');
		// A client-side navigation (SvelteKit's __data.json) gets the redirect in the form its router follows.
		const data = await get('/compute/__data.json?from=2026-01-01');
		expect(await data.json()).toEqual({ type: 'redirect', location: '/login?next=%2Fcompute%3Ffrom%3D2026-01-01' });
		const api = await get('/api/v1/metrics/compute_spend?from=2026-01-01&to=2026-01-02');
		expect(api.status).toBe(401);
		expect(await api.json()).toEqual({ message: 'Sign in first.' });
	});

	it('sets an HttpOnly, SameSite=Lax cookie, rotates it on every sign-in and revokes it on logout', async () => {
		await createTestUser('fin', 'finance');
		const res = await postForm(srv.url, '/login', { name: 'fin', password: 'fin-password-123', next: '/compute' });
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/compute');
		const set = res.headers.getSetCookie().find((c) => c.startsWith('loopmeter_session='))!;
		expect(set).toMatch(/HttpOnly/i);
		expect(set).toMatch(/SameSite=Lax/i);
		expect(set).not.toMatch(/Secure/i); // plain http, no trusted proxy
		const first = set.split(';')[0]!;

		const second = await login(srv.url, 'fin', 'fin-password-123');
		expect(second).not.toBe(first);
		expect(opens((await get('/compute', second)).status)).toBe(true);

		const out = await postForm(srv.url, '/logout', {}, { cookie: second });
		expect(out.status).toBe(303);
		expect((await get('/compute', second)).status).toBe(303);
		// The session stored is a digest, never the cookie value.
		const rows = await query<{ session_hash: string }>('SELECT session_hash FROM auth_sessions', { tag: 'test' });
		expect(rows.some((r) => second.endsWith(r.session_hash))).toBe(false);
		expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.session_hash))).toBe(true);
	});

	it('refuses an open redirect after sign-in', async () => {
		await createTestUser('redir', 'exec');
		const res = await postForm(srv.url, '/login', { name: 'redir', password: 'redir-password-123', next: '//evil.example/x' });
		expect(res.headers.get('location')).toBe('/');
	});

	it('a password reset signs the person out everywhere', async () => {
		await createTestUser('reset-me', 'product');
		const cookie = await login(srv.url, 'reset-me', 'reset-me-password-123');
		expect(opens((await get('/engagement', cookie)).status)).toBe(true);
		await resetPassword('reset-me', { by: 'test' });
		expect((await get('/engagement', cookie)).status).toBe(303);
	});

	it('marks the cookie Secure behind a trusted TLS proxy only', async () => {
		await createTestUser('tls', 'exec');
		const attempt = async () =>
			(await postForm(srv.url, '/login', { name: 'tls', password: 'tls-password-123' }, { 'x-forwarded-proto': 'https' })).headers
				.getSetCookie()
				.find((c) => c.startsWith('loopmeter_session='))!;
		expect(await attempt()).not.toMatch(/Secure/i);
		process.env.LOOPMETER_TRUST_PROXY = '1';
		resetAuthSettings();
		try {
			expect(await attempt()).toMatch(/Secure/i);
		} finally {
			delete process.env.LOOPMETER_TRUST_PROXY;
			resetAuthSettings();
		}
	});
});

describe('demo auto-login', () => {
	it('signs loopback visitors in as a demo admin once the demo is loaded, with a banner, and never through a proxy', async () => {
		expect((await get('/')).status).toBe(303);
		await command(
			`INSERT INTO ingest_runs (run_id, source, file, file_hash, format, bytes, started_at, actor, via, rows_read, rows_loaded, rows_duplicate, rows_rejected, rows_warned, chunks_done, outcome, message)
SELECT 'demo-run', 'videos', 'demo.ndjson', 'h', 'ndjson', 0, now64(3), 'demo', 'cli', 0, 0, 0, 0, 0, 0, 'succeeded', ''`,
			{ tag: 'test' }
		);
		forgetDemoCheck();
		const home = await get('/admin');
		expect(home.status).toBe(200);
		expect(await home.text()).toContain('Demo mode');
		// Forwarded requests come from a proxy: loopback proves nothing then.
		expect((await get('/', undefined, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(303);
		process.env.LOOPMETER_DEMO_LOGIN = '0';
		resetAuthSettings();
		try {
			expect((await get('/')).status).toBe(303);
		} finally {
			delete process.env.LOOPMETER_DEMO_LOGIN;
			resetAuthSettings();
		}
		await command(`ALTER TABLE ingest_runs DELETE WHERE run_id = 'demo-run' SETTINGS mutations_sync = 1`, { tag: 'test' });
		forgetDemoCheck();
	});
});

describe('proxy mode', () => {
	it('trusts the configured header only when LOOPMETER_AUTH=proxy, taking the role from the role header or the account', async () => {
		await createTestUser('sso-ana', 'finance');
		expect((await get('/compute', undefined, { 'x-forwarded-user': 'sso-ana' })).status).toBe(303);
		process.env.LOOPMETER_AUTH = 'proxy';
		process.env.LOOPMETER_AUTH_HEADER = 'X-Remote-User';
		process.env.LOOPMETER_AUTH_ROLE_HEADER = 'X-Remote-Role';
		resetAuthSettings();
		try {
			expect(opens((await get('/compute', undefined, { 'x-remote-user': 'sso-ana' })).status)).toBe(true);
			expect((await get('/admin', undefined, { 'x-remote-user': 'sso-ana' })).status).toBe(403);
			expect((await get('/admin', undefined, { 'x-remote-user': 'carol', 'x-remote-role': 'admin' })).status).toBe(200);
			const unknown = await get('/', undefined, { 'x-remote-user': 'nobody' });
			expect(unknown.status).toBe(403);
			expect(await unknown.text()).toContain('nobody has no Loopmeter role');
			expect((await get('/')).status).toBe(303);
		} finally {
			delete process.env.LOOPMETER_AUTH;
			delete process.env.LOOPMETER_AUTH_HEADER;
			delete process.env.LOOPMETER_AUTH_ROLE_HEADER;
			resetAuthSettings();
		}
	});
});

describe('health', () => {
	it('GET /healthz is public and reports the warehouse', async () => {
		const res = await get('/healthz');
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: 'ok', warehouse: 'ok' });
	});
});
