import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Handle, HandleServerError, RequestEvent } from '@sveltejs/kit';
import { building } from '$app/environment';
import { requirementFor, routedPath, uncleanPath, type Requirement } from '$lib/server/auth/access';
import { actorOf, authenticate, authorize, clientIp, isSecureRequest, type Auth } from '$lib/server/auth';
import { classifyFault, noteFault } from '$lib/server/http/faults';
import { checkBodySize } from '$lib/server/http/limits';
import { htmlResponse, jsonResponse, wantsJson } from '$lib/server/http/responses';
import { redact } from '$lib/server/http/redact';
import { WriteBudget } from '$lib/server/http/write-budget';
import { asPerson } from '$lib/server/http/person-slots';
import { cacheSlot, cachedResponse, keep } from '$lib/server/response-cache';
import { audit } from '$lib/server/audit';
import { drilldownListsPeople } from '$lib/server/metrics/user-rows';
import type { MetricId } from '$lib/contracts/metrics';

/**
 * Every request passes here before any page, endpoint or form action runs:
 * size limits, a cross-site write check, authentication, the route → role
 * table (src/lib/server/auth/access.ts), then security headers, 503s for
 * warehouse faults and the audit of exports on the way out.
 */

// Declared by the metric or seen in its drill file's columns; unregistered metrics count as listing people.
const hasUserRows = (id: MetricId) => drilldownListsPeople(id);

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Browsers send Origin on every cross-site write. SvelteKit refuses cross-site
 * *form* posts in production; this refuses every cross-site write (forms,
 * fetch with JSON, uploads) in dev and production alike. Clients without an
 * Origin (curl, the CLI with a token) are not browsers and cannot carry a
 * victim's cookie.
 */
function crossSiteWrite(event: RequestEvent): boolean {
	if (!WRITE.has(event.request.method)) return false;
	const origin = event.request.headers.get('origin');
	if (origin) return origin !== event.url.origin;
	const site = event.request.headers.get('sec-fetch-site');
	return site !== null && site !== 'same-origin' && site !== 'none';
}

function refuse(event: RequestEvent, status: number, message: string, extra: Record<string, string> = {}): Response {
	// A refused write's body is still on the socket, possibly gigabytes of it: close the
	// connection rather than let the server read and discard it to reuse the socket.
	if (WRITE.has(event.request.method) && event.request.body && !event.request.bodyUsed) extra = { connection: 'close', ...extra };
	if (wantsJson(event.request, event.url.pathname) || event.isDataRequest) return jsonResponse(status, { message }, extra);
	const links = status === 403 ? [{ href: '/', label: 'Overview' }, { href: '/logout', label: 'Sign in as someone else' }] : [{ href: '/', label: 'Retry' }];
	const title = status === 403 ? 'Not allowed' : status === 503 ? 'Warehouse unavailable' : 'Request refused';
	return htmlResponse(status, title, message, links, extra);
}

// Refusals are audited at most once per address, actor and path every 10 s, and 60 a minute in all:
// a flood of bad tokens or forbidden URLs must not turn into a flood of warehouse inserts.
const refusalAudit = new WriteBudget({ perKeyMs: 10_000, globalMax: 60, globalWindowMs: 60_000 });
const worthAuditing = (key: string) => refusalAudit.take(key).write;

function loginRedirect(event: RequestEvent): Response {
	const next = event.url.pathname + event.url.search;
	const to = next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
	return new Response(null, { status: 303, headers: { location: to } });
}

const BASE_HEADERS: Record<string, string> = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin'
};
// For responses SvelteKit did not give a CSP (JSON, CSV, our own refusal pages, the static error page).
const FALLBACK_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function secure(event: RequestEvent, response: Response): Response {
	let r = response;
	try {
		r.headers.set('x-content-type-options', 'nosniff');
	} catch {
		// Headers of a fetched response are immutable: copy it.
		r = new Response(response.body, response);
	}
	for (const [k, v] of Object.entries(BASE_HEADERS)) r.headers.set(k, v);
	if (!r.headers.has('content-security-policy')) r.headers.set('content-security-policy', FALLBACK_CSP);
	// Finance and user-level numbers must not sit in shared caches.
	if (!r.headers.has('cache-control')) r.headers.set('cache-control', 'private, no-store');
	if (isSecureRequest(event)) r.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
	return r;
}

async function auditExport(event: RequestEvent, req: Requirement, response: Response): Promise<void> {
	if (event.request.method !== 'GET' || response.status !== 200) return;
	const csv = (response.headers.get('content-type') ?? '').startsWith('text/csv');
	const drill = req.kind === 'roles' && req.drilldown;
	if (!csv && !drill) return;
	await audit({
		actor: actorOf(event.locals.auth),
		action: csv ? 'export.csv' : 'export.drilldown',
		target: event.url.pathname + event.url.search,
		ip: clientIp(event)
	});
}

async function guarded(event: RequestEvent, resolve: Parameters<Handle>[0]['resolve']): Promise<Response> {
	const path = event.url.pathname;
	const method = event.request.method;
	// Client-side navigations fetch `__data.json` (event.isDataRequest): they expect JSON too.
	const api = wantsJson(event.request, path) || event.isDataRequest;

	const size = checkBodySize(event.request, path);
	// The unread body is still on the socket: close it rather than parse it as the next request.
	if (size) return refuse(event, size.status, size.message, { connection: 'close' });
	if (crossSiteWrite(event)) return refuse(event, 403, `Cross-site ${method} requests are refused.`);

	// Access is decided on what the router matched (route id + decoded params), never on the raw URL.
	const unclean = uncleanPath(path);
	const routed = unclean ? undefined : event.route.id ? routedPath(event.route.id, event.params as Record<string, string>) : path;
	if (routed === undefined) return refuse(event, 400, unclean ?? 'This path cannot be matched unambiguously to a page.');
	const req = requirementFor(routed, method, hasUserRows);
	let auth: Auth;
	try {
		auth = await authenticate(event);
	} catch (e) {
		const fault = classifyFault(e);
		if (!fault) throw e;
		noteFault(fault);
		console.warn(`[auth] ${fault.code}: ${redact((e as Error).message)}`);
		// Public routes (health, sign-in page, webhook) still answer; everything else says why it cannot.
		if (req.kind !== 'public') return refuse(event, 503, fault.message, { 'retry-after': '5' });
		auth = { kind: 'anonymous' };
	}
	event.locals.auth = auth;

	const decision = authorize(auth, req);
	if (!decision.ok) {
		if (decision.status === 401 && event.isDataRequest && !auth.badToken) {
			// The form SvelteKit's client follows for a redirect during client-side navigation.
			const next = event.url.pathname + event.url.search;
			return jsonResponse(200, { type: 'redirect', location: `/login?next=${encodeURIComponent(next)}` });
		}
		if (decision.status === 401 && !api && method === 'GET' && !auth.badToken) return loginRedirect(event);
		if ((decision.status === 403 || auth.badToken) && worthAuditing(auth.badToken ? `${clientIp(event)} token` : `${clientIp(event)} ${actorOf(auth)} ${method} ${path}`)) {
			await audit({
				actor: actorOf(auth),
				action: auth.badToken ? 'token.rejected' : 'access.denied',
				target: `${method} ${path}`,
				outcome: 'denied',
				ip: clientIp(event)
			});
		}
		return refuse(event, decision.status, decision.message, decision.status === 401 ? { 'www-authenticate': 'Bearer realm="loopmeter"' } : {});
	}

	if (auth.mustChangePassword && path !== '/login/password' && path !== '/logout') {
		if (event.isDataRequest) return jsonResponse(200, { type: 'redirect', location: '/login/password' });
		if (api) return refuse(event, 403, 'Choose a new password first (sign in on the web page).');
		return new Response(null, { status: 303, headers: { location: '/login/password' } });
	}

	// A page or metric answer already rendered for this viewer on the current data (server/response-cache.ts).
	const slot = await cacheSlot(event, auth, req.kind === 'roles' && req.drilldown === true);
	const cached = slot && cachedResponse(slot, event.request);
	if (cached) {
		await auditExport(event, req, cached);
		return cached;
	}

	// Everything this request starts (streamed panels too) queues its warehouse work as this person's,
	// and is cancelled when the person's browser goes away (request.signal).
	const person = auth.user || auth.token ? actorOf(auth) : `address ${clientIp(event)}`;
	// Each of a page's panels listens for the browser leaving: dozens of listeners are expected, not a leak.
	setMaxListeners(0, event.request.signal);
	let response = await asPerson(
		person,
		async () => {
			const rendered = await resolve(event);
			// Kept only if nothing failed while it rendered: asked when the (streamed) body ends, in this request's context.
			return slot ? keep(slot, rendered, { signal: event.request.signal }) : rendered;
		},
		event.request.signal
	);

	const fault = event.locals.fault;
	if (fault && response.status >= 500) {
		response = api
			? jsonResponse(503, { message: fault.message, code: fault.code }, { 'retry-after': '5' })
			: new Response(response.body, { status: 503, headers: response.headers });
	}
	await auditExport(event, req, response);
	return response;
}

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.auth = { kind: 'anonymous' };
	if (building) return resolve(event);
	return secure(event, await guarded(event, resolve));
};

/** Unexpected errors: the person sees a generic message and an id; the log has the (redacted) details. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const id = randomUUID().slice(0, 8);
	const fault = classifyFault(error);
	if (fault) {
		event.locals.fault = fault;
		noteFault(fault);
		console.warn(`[${id}] ${event.request.method} ${event.url.pathname}: ${fault.code}: ${redact((error as Error)?.message ?? String(error))}`);
		return { message: fault.message, code: fault.code, id };
	}
	if (status === 404) return { message: 'Not found', id };
	const err = error as Error;
	const detail = process.env.LOOPMETER_DEBUG === '1' && err?.stack ? err.stack : `${err?.name ?? 'Error'}: ${err?.message ?? String(error)}`;
	console.error(`[${id}] ${event.request.method} ${event.url.pathname} (${status} ${message}): ${redact(detail)}`);
	return { message: 'Something went wrong on the server. Quote this id when reporting it.', code: 'internal', id };
};
