import { request as httpRequest } from 'node:http';
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
		// The reported ones: a tab Chromium strips, a backslash browsers read as a slash, a newline that gave a 500.
		for (const next of ['/\t/evil.example/x', '/\\evil.example', '/\n/x', 'https://evil.example/']) {
			const r = await postForm(srv.url, '/login', { name: 'redir', password: 'redir-password-123', next });
			expect({ next, status: r.status, to: r.headers.get('location') }).toEqual({ next, status: 303, to: '/' });
		}
		const cookie = await login(srv.url, 'redir', 'redir-password-123');
		for (const q of ['%2F%09%2Fevil.example%2Fx', '%2F%0A%2Fx', '%2F%5Cevil.example']) {
			const r = await get(`/login?next=${q}`, cookie);
			expect({ q, status: r.status, to: r.headers.get('location') }).toEqual({ q, status: 303, to: '/' });
		}
	});

	it('"sign out everywhere" ends the sessions of every browser of that person, and only theirs', async () => {
		await createTestUser('many', 'finance');
		await createTestUser('bystander', 'finance');
		const laptop = await login(srv.url, 'many', 'many-password-123');
		const phone = await login(srv.url, 'many', 'many-password-123');
		const other = await login(srv.url, 'bystander', 'bystander-password-123');
		// Sessions made in the same millisecond as the cut-off would survive it.
		await new Promise((r) => setTimeout(r, 5));
		const plain = await postForm(srv.url, '/logout', {}, { cookie: laptop });
		expect(plain.status).toBe(303);
		expect(opens((await get('/compute', phone)).status)).toBe(true);
		const laptop2 = await login(srv.url, 'many', 'many-password-123');
		await new Promise((r) => setTimeout(r, 5));
		const all = await postForm(srv.url, '/logout', { everywhere: '1' }, { cookie: laptop2 });
		expect(all.status).toBe(303);
		expect((await get('/compute', phone)).status).toBe(303);
		expect((await get('/compute', laptop2)).status).toBe(303);
		expect(opens((await get('/compute', other)).status)).toBe(true);
		expect((await listAudit({ action: 'logout', actor: 'many' })).map((r) => r.detail)).toEqual(['every session', 'this session']);
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

/** A GET with headers fetch() will not send as given (Host). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
	const { port } = new URL(srv.url);
	return new Promise((resolve, reject) => {
		const { host, ...rest } = headers;
		// An empty host means none at all (node would otherwise add its own).
		const sent = host === '' ? { setHost: false, headers: { accept: 'text/html', ...rest } } : { headers: { accept: 'text/html', ...headers } };
		const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', ...sent }, (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (c: string) => (body += c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

describe('demo auto-login', () => {
	const withDemoLogin = async (value: string | undefined, fn: () => Promise<void>) => {
		const before = { login: process.env.LOOPMETER_DEMO_LOGIN, port: process.env.PORT };
		if (value === undefined) delete process.env.LOOPMETER_DEMO_LOGIN;
		else process.env.LOOPMETER_DEMO_LOGIN = value;
		process.env.PORT = new URL(srv.url).port;
		resetAuthSettings();
		try {
			await fn();
		} finally {
			for (const [k, v] of [['LOOPMETER_DEMO_LOGIN', before.login], ['PORT', before.port]] as const) {
				if (v === undefined) delete process.env[k];
				else process.env[k] = v;
			}
			resetAuthSettings();
		}
	};

	it('signs in only a browser on this machine that asked for this server directly: Host × proxy headers × Sec-Fetch-Site × switch', async () => {
		expect((await get('/')).status).toBe(303);
		await command(
			`INSERT INTO ingest_runs (run_id, source, file, file_hash, format, bytes, started_at, actor, via, rows_read, rows_loaded, rows_duplicate, rows_rejected, rows_warned, chunks_done, outcome, message)
SELECT 'demo-run', 'videos', 'demo.ndjson', 'h', 'ndjson', 0, now64(3), 'demo', 'cli', 0, 0, 0, 0, 0, 0, 'succeeded', ''`,
			{ tag: 'test' }
		);
		forgetDemoCheck();
		const port = new URL(srv.url).port;
		const otherPort = String(Number(port) === 3000 ? 3001 : 3000);
		try {
			await withDemoLogin('1', async () => {
				const admin = await rawGet('/admin', { host: `127.0.0.1:${port}` });
				expect(admin.status).toBe(200);
				expect(admin.body).toContain('Demo sign-in is on');
				const signedIn: Record<string, number> = {};
				const cases: Record<string, Record<string, string>> = {
					'127.0.0.1 on the served port': { host: `127.0.0.1:${port}` },
					'localhost on the served port': { host: `localhost:${port}` },
					'[::1] on the served port': { host: `[::1]:${port}` },
					'typed in the address bar (none)': { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'none' },
					'a page of this origin (same-origin)': { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
					// DNS rebinding: another site's name, resolved to 127.0.0.1.
					'rebound name on the port': { host: `evil.example:${port}` },
					'rebound name, no port': { host: 'evil.example' },
					'loopback on another port (a port-forward)': { host: `127.0.0.1:${otherPort}` },
					'loopback without a port': { host: '127.0.0.1' },
					'no Host': { host: '' },
					'another site (cross-site)': { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site' },
					'a sibling site (same-site)': { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'same-site' }
				};
				for (const h of ['via', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host', 'x-forwarded-server', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip', 'x-real-ip', 'fastly-client-ip']) {
					cases[`forwarded: ${h}`] = { host: `127.0.0.1:${port}`, [h]: h === 'via' ? '1.1 proxy' : h === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' };
				}
				for (const [name, headers] of Object.entries(cases)) signedIn[name] = (await rawGet('/', headers)).status;
				const on = Object.keys(signedIn).filter((k) => signedIn[k] === 200);
				expect(on.sort()).toEqual(
					['127.0.0.1 on the served port', 'localhost on the served port', '[::1] on the served port', 'typed in the address bar (none)', 'a page of this origin (same-origin)'].sort()
				);
				// The others are sent to sign in (a request without Host is refused by the server itself).
				expect(Object.entries(signedIn).filter(([k, s]) => s !== 200 && s !== 303 && !(k === 'no Host' && s === 400))).toEqual([]);
			});
			// Off unless switched on (`loopmeter serve --demo-login`, which npm start runs), and 0 keeps it off.
			await withDemoLogin(undefined, async () => expect((await rawGet('/', { host: `127.0.0.1:${port}` })).status).toBe(303));
			await withDemoLogin('0', async () => expect((await rawGet('/', { host: `127.0.0.1:${port}` })).status).toBe(303));
		} finally {
			await command(`ALTER TABLE ingest_runs DELETE WHERE run_id = 'demo-run' SETTINGS mutations_sync = 1`, { tag: 'test' });
			forgetDemoCheck();
		}
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
