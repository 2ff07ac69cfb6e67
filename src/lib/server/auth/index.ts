import { error, type Cookies, type RequestEvent } from '@sveltejs/kit';
import { drilldownRoles, role as roleSchema, scopeGrants, type Requirement, type Role } from './access.js';
import type { MetricId } from '../../contracts/metrics.js';
import { demoBanner, demoLoaded, demoRefusal } from './demo.js';
import { sessionUser } from './sessions.js';
import { authSettings } from './settings.js';
import { verifyToken } from './tokens.js';
import { findUser } from './users.js';

export { ensureFirstAdmin } from './first-admin.js';
export { authSettings, resetAuthSettings } from './settings.js';

/** Who is making a request, as established by hooks.server.ts. */
export interface Auth {
	kind: 'anonymous' | 'session' | 'demo' | 'proxy' | 'token';
	user?: { name: string; role: Role };
	token?: { id: string; name: string; scopes: string[] };
	/** Cookie value of the current session (for logout and rotation). */
	sessionId?: string;
	mustChangePassword?: boolean;
	/** Shown on every page (demo mode). */
	banner?: string;
	/** A bearer token was sent but is unknown or revoked. */
	badToken?: boolean;
	/** Proxy mode: the header named a person Loopmeter has no role for. */
	noRole?: string;
}

export const SESSION_COOKIE = 'loopmeter_session';

/** The client address from the socket (adapter-node / Vite), never from a request header. */
export function clientIp(event: RequestEvent): string {
	try {
		return event.getClientAddress();
	} catch {
		return '';
	}
}

/** https, or behind a TLS-terminating proxy that says so and is trusted to. */
export function isSecureRequest(event: RequestEvent): boolean {
	if (event.url.protocol === 'https:') return true;
	const { config } = authSettings();
	return config.LOOPMETER_TRUST_PROXY === '1' && event.request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function setSessionCookie(event: RequestEvent, id: string, expires: Date): void {
	event.cookies.set(SESSION_COOKIE, id, { path: '/', httpOnly: true, sameSite: 'lax', secure: isSecureRequest(event), expires });
}

export function clearSessionCookie(cookies: Cookies, event: RequestEvent): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: isSecureRequest(event) });
}

/**
 * Loopback proves the person is on this machine only when nothing forwards
 * requests to us and the browser itself asked for this server by a loopback
 * name: see demoRefusal in demo.ts for every condition.
 */
function demoAllowed(event: RequestEvent, ip: string): boolean {
	const { config } = authSettings();
	const behindProxy = config.LOOPMETER_AUTH !== 'local' || config.LOOPMETER_TRUST_PROXY === '1' || !!config.ADDRESS_HEADER;
	return demoRefusal({ enabled: config.LOOPMETER_DEMO_LOGIN === '1', port: config.PORT, behindProxy }, event.request, ip) === undefined;
}

/** Establishes who is asking. Throws only when the warehouse cannot be asked. */
export async function authenticate(event: RequestEvent): Promise<Auth> {
	const { config } = authSettings();
	const ip = clientIp(event);
	const authz = event.request.headers.get('authorization');
	if (authz) {
		const m = /^Bearer\s+(\S+)$/i.exec(authz.trim());
		const token = m ? await verifyToken(m[1]!, ip) : undefined;
		return token ? { kind: 'token', token } : { kind: 'anonymous', badToken: true };
	}

	if (config.LOOPMETER_AUTH === 'proxy') {
		const name = event.request.headers.get(config.LOOPMETER_AUTH_HEADER)?.trim();
		if (!name) return { kind: 'anonymous' };
		if (!/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/.test(name)) return { kind: 'anonymous', noRole: name.slice(0, 64) };
		const claimed = config.LOOPMETER_AUTH_ROLE_HEADER ? event.request.headers.get(config.LOOPMETER_AUTH_ROLE_HEADER)?.trim().toLowerCase() : undefined;
		const fromHeader = roleSchema.safeParse(claimed);
		const r = fromHeader.success ? fromHeader.data : (await findUser(name))?.role;
		return r ? { kind: 'proxy', user: { name, role: r } } : { kind: 'anonymous', noRole: name };
	}

	const sid = event.cookies.get(SESSION_COOKIE);
	if (sid && sid.length <= 100) {
		const u = await sessionUser(sid);
		if (u) return { kind: 'session', user: { name: u.name, role: u.role }, sessionId: sid, mustChangePassword: u.mustChangePassword };
	}
	if (demoAllowed(event, ip) && (await demoLoaded())) {
		return { kind: 'demo', user: { name: 'demo', role: 'admin' }, banner: demoBanner(config.PORT) };
	}
	return { kind: 'anonymous' };
}

export type Decision = { ok: true } | { ok: false; status: 401 | 403; message: string };

/** Whether `auth` meets `req`. Tokens only open routes that name a scope they hold. */
export function authorize(auth: Auth, req: Requirement): Decision {
	if (req.kind === 'public') return { ok: true };
	if (auth.badToken) return { ok: false, status: 401, message: 'The API token is unknown or revoked.' };
	if (auth.token) {
		if (req.kind === 'roles' && req.scopes?.some((s) => scopeGrants(auth.token!.scopes, s))) return { ok: true };
		const need = req.kind === 'roles' && req.scopes?.length ? `a token with scope ${req.scopes.join(' or ')}` : 'a signed-in person, not an API token';
		return { ok: false, status: 403, message: `This needs ${need}.` };
	}
	if (!auth.user) {
		if (auth.noRole) return { ok: false, status: 403, message: `${auth.noRole} has no Loopmeter role; ask an admin to add the account.` };
		return { ok: false, status: 401, message: 'Sign in first.' };
	}
	if (req.kind === 'signed-in') return { ok: true };
	if (req.roles.includes(auth.user.role)) return { ok: true };
	return { ok: false, status: 403, message: `The ${auth.user.role} role cannot open this page or data.` };
}

/**
 * Defence in depth for the drill-down loaders: the hook already checked the
 * route, but the rows are only ever computed after this check on the metric the
 * loader is about to run, so a slip in classifying a path cannot list them.
 */
export function assertMayDrill(auth: Auth | undefined, metric: MetricId, hasUserRows: boolean): void {
	const decision = authorize(auth ?? { kind: 'anonymous' }, {
		kind: 'roles',
		roles: drilldownRoles(metric, hasUserRows),
		scopes: hasUserRows ? [] : ['metrics:read'],
		metric,
		drilldown: true
	});
	if (!decision.ok) error(decision.status, { message: decision.message });
}

/**
 * For handlers that need a specific token scope (e.g. `ingest:videos` in
 * POST /api/v1/ingest/<source>): passes for a token holding it and for a
 * signed-in admin; otherwise throws 401/403. Returns the actor for the audit log.
 */
export function requireScope(event: RequestEvent, scope: string): string {
	const auth = event.locals.auth;
	if (auth?.token && scopeGrants(auth.token.scopes, scope)) return `token:${auth.token.name} (${auth.token.id})`;
	if (auth?.user?.role === 'admin') return auth.user.name;
	if (!auth?.token && !auth?.user) error(401, { message: 'Sign in or send Authorization: Bearer <token>.' });
	error(403, { message: `This needs a token with scope ${scope}.` });
}

export function actorOf(auth: Auth | undefined): string {
	if (auth?.token) return `token:${auth.token.name} (${auth.token.id})`;
	if (auth?.kind === 'demo') return 'demo (loopback)';
	if (auth?.kind === 'proxy') return `${auth.user!.name} (proxy)`;
	return auth?.user?.name ?? 'anonymous';
}

