import { createServer, type ViteDevServer } from 'vite';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { projectRoot } from '../../src/lib/server/project-root.js';
import type { Role } from '../../src/lib/server/auth/access.js';
import { addUser } from '../../src/lib/server/auth/users.js';
import { createToken } from '../../src/lib/server/auth/tokens.js';

/**
 * HTTP-level test helpers: a real SvelteKit dev server (hooks, routing, form
 * actions, cookies) on a random port, in this test process, on the warehouse
 * `useTempWarehouse()` opened. Users and tokens are created directly; sign-in
 * goes through the real /login form.
 */
export interface TestServer {
	url: string;
	close: () => Promise<void>;
}

export async function startDevServer(): Promise<TestServer> {
	const server: ViteDevServer = await createServer({
		root: projectRoot(),
		configFile: `${projectRoot()}/vite.config.ts`,
		logLevel: 'error',
		// Default watching and HMR: with `watch: null` Vite 8 disables its module cache and
		// re-evaluates modules (metrics then register twice); with HMR on, a file edited
		// during a run is re-evaluated the way the metric registry expects (import.meta.hot).
		// allowedHosts: like the production server (adapter-node), which checks no Host header itself,
		// so the tests see what the app does with a rebound Host, not Vite's own dev-only guard.
		server: { host: '127.0.0.1', port: 0, strictPort: false, allowedHosts: true }
	});
	await server.listen();
	const { port } = server.httpServer!.address() as AddressInfo;
	const url = `http://127.0.0.1:${port}`;
	// Compile the hooks and the root layout once, outside any test's timeout.
	await fetch(`${url}/healthz`);
	return { url, close: () => server.close() };
}

/** A user with a known password that does not have to be changed. */
export async function createTestUser(name: string, role: Role, password = `${name}-password-123`): Promise<{ name: string; password: string }> {
	await addUser(name, role, { password, mustChange: false, by: 'test' });
	return { name, password };
}

export async function createTestToken(scopes: string[], name = `test-${scopes.join('-').replace(/[^a-z0-9-]/gi, '')}`): Promise<string> {
	return (await createToken(name, scopes, 'test')).token;
}

/** A form submission as a browser sends it (same origin unless `headers` says otherwise). */
export function postForm(baseUrl: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(`${baseUrl}${path}`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: baseUrl, ...headers },
		body: new URLSearchParams(fields).toString()
	});
}

/** The new session cookie a response sets, as a Cookie header value. */
export function sessionCookie(res: Response): string | undefined {
	return res.headers.getSetCookie().find((c) => c.startsWith('loopmeter_session='))?.split(';')[0];
}

/** Signs in through the real form (same-origin POST); returns the Cookie header for later requests. */
export async function login(baseUrl: string, name: string, password: string): Promise<string> {
	const res = await postForm(baseUrl, '/login', { name, password });
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('loopmeter_session='));
	if (res.status !== 303 || !cookie) throw new Error(`login as ${name} failed: HTTP ${res.status} ${await res.text()}`);
	return cookie.split(';')[0]!;
}

/** Creates a user of `role` and signs in: the Cookie header to send. */
export async function signedIn(baseUrl: string, role: Role, name = `${role}-user`): Promise<string> {
	const u = await createTestUser(name, role);
	return login(baseUrl, u.name, u.password);
}

export interface RouteOnDisk {
	/** Route id as SvelteKit names it, e.g. /glossary/[id]/rows. */
	id: string;
	kind: 'page' | 'endpoint';
	/** HTTP methods: GET for pages (plus POST when they have form actions), the exported handlers for endpoints. */
	methods: string[];
}

/** Every page and endpoint under src/routes, read from disk so a new route is covered without editing the tests. */
export function routesOnDisk(dir = `${projectRoot()}/src/routes`): RouteOnDisk[] {
	const out: RouteOnDisk[] = [];
	const walk = (abs: string, segs: string[]) => {
		const entries = readdirSync(abs, { withFileTypes: true });
		const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
		const id = '/' + segs.filter((s) => !/^\(.*\)$/.test(s)).join('/');
		if (files.has('+page.svelte') || files.has('+page.server.ts') || files.has('+page.ts')) {
			const server = files.has('+page.server.ts') ? readFileSync(`${abs}/+page.server.ts`, 'utf8') : '';
			out.push({ id, kind: 'page', methods: /export\s+const\s+actions\b/.test(server) ? ['GET', 'POST'] : ['GET'] });
		}
		if (files.has('+server.ts')) {
			const src = readFileSync(`${abs}/+server.ts`, 'utf8');
			const methods = [...src.matchAll(/export\s+(?:const|(?:async\s+)?function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
			out.push({ id, kind: 'endpoint', methods: [...new Set(methods)] });
		}
		for (const e of entries) if (e.isDirectory()) walk(`${abs}/${e.name}`, [...segs, e.name]);
	};
	walk(dir, []);
	return out.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * One request per path, one at a time, before a test sends requests in
 * parallel: Vite's dev server can evaluate a module twice when its first
 * imports race, and metric modules refuse to register twice.
 */
export async function warmUp(baseUrl: string, paths: string[], cookie: string): Promise<void> {
	for (const p of paths) await (await fetch(`${baseUrl}${p}`, { redirect: 'manual', headers: { cookie } })).arrayBuffer();
}
