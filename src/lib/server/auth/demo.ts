import { controlLane } from '../http/control-lane.js';

/**
 * The demo scenario is recognised by its ingest runs (the demo loads its files
 * through the real ingest path with actor 'demo'). Once seen it stays seen; an
 * absence is re-checked every few seconds because `npm start` loads the demo
 * while the server is already up.
 */
const KEY = Symbol.for('loopmeter.auth.demo');
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { loaded: false, checkedAt: 0 }) as { loaded: boolean; checkedAt: number };

export async function demoLoaded(now = Date.now()): Promise<boolean> {
	if (state.loaded) return true;
	if (now - state.checkedAt < 5_000) return false;
	state.checkedAt = now;
	// A plain statement (the actor is a constant) on the control lane: a demo visitor's page never waits behind a panel.
	const rows = await (await controlLane()).query<{ n: string }>(`SELECT toString(count()) AS n FROM ingest_runs WHERE actor = 'demo'`, {
		tag: 'auth:demo-loaded'
	});
	state.loaded = Number(rows[0]?.n ?? 0) > 0;
	return state.loaded;
}

export function forgetDemoCheck(): void {
	state.loaded = false;
	state.checkedAt = 0;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
export const isLoopback = (address: string) => LOOPBACK.has(address) || /^127\./.test(address) || /^::ffff:127\./.test(address);

/**
 * Headers some proxy, tunnel or CDN added: any one means the socket's loopback
 * address is the proxy's, not the visitor's. Matched by family, not by a list
 * of exact names, so a new `X-Forwarded-Something` counts too.
 */
export function forwardedBy(headers: Headers): string | undefined {
	for (const [name] of headers) {
		if (/^(via|forwarded|x-forwarded-.*|x-real-ip|x-client-ip|x-cluster-client-ip|x-original-forwarded-for|x-originating-ip|cf-connecting-ip|cf-connecting-ipv6|true-client-ip|fastly-client-ip|client-ip|x-proxyuser-ip|x-envoy-external-address)$/i.test(name)) return name;
	}
	return undefined;
}

/**
 * The Host a browser on this machine sends when it opened the served URL
 * itself. A page of another site that re-resolves its own name to 127.0.0.1
 * (DNS rebinding) still sends its own name, and a tunnel or port-forward from
 * elsewhere sends the remote name or port: neither matches.
 */
export function isLoopbackHost(host: string | null, port: number): boolean {
	if (!host) return false;
	const m = /^(127\.0\.0\.1|localhost|\[::1\])(?::(\d+))?$/i.exec(host.trim());
	if (!m) return false;
	return Number(m[2] ?? 80) === port;
}

/**
 * A browser says where a request comes from: typed in the address bar or a
 * bookmark (`none`), or a page of this same origin (`same-origin`). Any other
 * site (`cross-site`, `same-site`) must not borrow the demo sign-in. Clients
 * that are not browsers send no such header; they run on this machine anyway.
 */
export function isDirectOrSameOrigin(secFetchSite: string | null): boolean {
	return secFetchSite === null || secFetchSite === 'same-origin' || secFetchSite === 'none';
}

export interface DemoGate {
	/** LOOPMETER_DEMO_LOGIN: '1' only when switched on (`loopmeter serve --demo-login`, as `npm start` runs it). */
	enabled: boolean;
	/** The port the server answers on: the Host must name it. */
	port: number;
	/** Sign-in by a proxy, or a proxy trusted for addresses or TLS: loopback proves nothing then. */
	behindProxy: boolean;
}

/** Why the demo sign-in does not apply to a request, or undefined when it does. */
export function demoRefusal(gate: DemoGate, request: Request, clientAddress: string): string | undefined {
	if (!gate.enabled) return 'off';
	if (gate.behindProxy) return 'configured behind a proxy';
	const forwarded = forwardedBy(request.headers);
	if (forwarded) return `forwarded (${forwarded})`;
	if (!isLoopback(clientAddress)) return 'not a loopback address';
	if (!isLoopbackHost(request.headers.get('host'), gate.port)) return 'Host is not this machine on the served port';
	if (!isDirectOrSameOrigin(request.headers.get('sec-fetch-site'))) return 'sent by another site';
	return undefined;
}

export function demoBanner(port: number): string {
	return `Demo sign-in is on: you are a demo admin without a password because this browser, on the machine running Loopmeter, opened http://127.0.0.1:${port} (or localhost) directly and the server was started with demo sign-in (npm start, or loopmeter serve --demo-login). Requests through any proxy, from another site or another machine are never signed in this way. To turn it off, start with LOOPMETER_DEMO_LOGIN=0 or without --demo-login.`;
}
