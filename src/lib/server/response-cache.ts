import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { RequestEvent } from '@sveltejs/kit';
import { actorOf, type Auth } from './auth/index.js';
import { alertsFilePath } from './alerts/config-file.js';
import { sourceDataVersion } from './cache/per-data-version.js';
import { currentFaultBanner } from './http/faults.js';
import { requestFailed } from './http/person-slots.js';

/**
 * Rendered responses (page HTML, `__data.json`, GET metric API answers) kept
 * per data version, URL and viewer, and answered with 304 when the browser's
 * `If-None-Match` names the one kept. The panels are cached already
 * (metrics/panel.ts); this saves rendering the page around them, and the
 * bytes on the wire for a browser that has them.
 *
 * Who a response may be reused for: never across roles (pages and the metric
 * API answer differently per role), and never across people when it carries
 * the root layout (page HTML, and `__data.json` unless the client skips the
 * layout node): the layout shows the person's name and banner. Drill-downs
 * (rows about individual users), admin pages, the Ingest page, sign-in and
 * writes are never kept. A response during which anything failed (a panel's
 * error, a query that threw) is not kept either, so the next visit retries.
 */

/** Route ids whose GET responses depend only on the data, the alert rules, the URL and the viewer. */
const PAGE_ROUTES = new Set(['/', '/compute', '/revenue', '/engagement', '/feed-health', '/unit-economics', '/glossary']);
const API_ROUTES = new Set(['/api/v1/metrics/[id]', '/api/v1/metrics/[id]/sql']);

/** SvelteKit's query parameter saying which load nodes a client-side navigation wants re-run ('0' = skip). */
const INVALIDATED_PARAM = 'x-sveltekit-invalidated';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 2_000;
const MAX_BYTES = 128 * 2 ** 20;
/** A bigger response (a breakdown with very many groups) is served, not kept. */
const MAX_ENTRY_BYTES = 4 * 2 ** 20;
/** What a reused response may say: the browser may keep it, but must ask (If-None-Match) before showing it. */
const CACHE_CONTROL = 'private, no-cache';
/** Headers of the rendered response that are replayed; cookies and per-response values are not. */
const REPLAYED = ['content-type', 'content-security-policy', 'content-disposition', 'vary', 'x-sveltekit-page'];

interface Entry {
	version: string;
	etag: string;
	at: number;
	status: number;
	headers: [string, string][];
	body: Uint8Array;
}

const KEY = Symbol.for('loopmeter.http.response-cache');
const store = ((globalThis as Record<symbol, unknown>)[KEY] ??= { entries: new Map<string, Entry>(), bytes: 0 }) as { entries: Map<string, Entry>; bytes: number };

/** Where a request may be answered from: its key and the data version it must match, or undefined when it is never kept. */
export interface CacheSlot {
	key: string;
	version: string;
}

/** Whether `event` (already authorised) is one whose response may be kept, and under which key. */
export async function cacheSlot(event: RequestEvent, auth: Auth, drilldown: boolean): Promise<CacheSlot | undefined> {
	if (event.request.method !== 'GET' || drilldown || auth.mustChangePassword) return undefined;
	const route = event.route.id;
	const page = route !== null && PAGE_ROUTES.has(route);
	if (!page && !(route !== null && API_ROUTES.has(route))) return undefined;
	// While the warehouse is failing, pages carry a banner saying so: render them afresh.
	if (currentFaultBanner()) return undefined;
	const viewer = viewerOf(event, auth, page);
	if (!viewer) return undefined;
	const raw = new URL(event.request.url);
	return { key: `${viewer}|${raw.pathname}${raw.search}`, version: await dataVersion() };
}

/**
 * The viewer part of the key: the role (or a token's scopes), and the person
 * when the response carries the root layout (their name in the header).
 */
function viewerOf(event: RequestEvent, auth: Auth, page: boolean): string | undefined {
	if (auth.token) return page ? undefined : `token:${[...auth.token.scopes].sort().join(',')}`;
	if (!auth.user) return undefined;
	const role = `role:${auth.user.role}`;
	if (!page || !carriesLayout(event)) return role;
	return `${role}|person:${actorOf(auth)}`;
}

/** Page HTML always renders the layout; `__data.json` does unless the client asks to skip node 0 (the root layout). */
function carriesLayout(event: RequestEvent): boolean {
	if (!event.isDataRequest) return true;
	const invalidated = new URL(event.request.url).searchParams.get(INVALIDATED_PARAM);
	return invalidated === null || invalidated[0] !== '0';
}

/**
 * Everything a kept response depends on besides the URL and the viewer: the
 * data and the alert rules. Not which day tables are current: they give the
 * same numbers as the raw tables (day-tables.test.ts), a panel that failed
 * while they were being built is never kept, and asking for them waits for a
 * panel connection behind the panels' queries.
 */
async function dataVersion(): Promise<string> {
	return `${await sourceDataVersion()}|${alertRulesStamp()}`;
}

function alertRulesStamp(): string {
	try {
		const s = statSync(alertsFilePath());
		return `${s.mtimeMs}/${s.size}`;
	} catch {
		return 'no-alert-rules';
	}
}

/**
 * The kept response for `slot`, or a 304 when the browser already holds it.
 * Undefined on a miss (the caller renders, then `keep`s).
 */
export function cachedResponse(slot: CacheSlot, request: Request): Response | undefined {
	const hit = store.entries.get(slot.key);
	if (!hit) return undefined;
	if (hit.version !== slot.version || Date.now() - hit.at >= TTL_MS) {
		drop(slot.key);
		return undefined;
	}
	const headers = new Headers(hit.headers);
	headers.set('etag', hit.etag);
	headers.set('cache-control', CACHE_CONTROL);
	headers.set('x-loopmeter-cache', 'hit');
	if (etagMatches(request.headers.get('if-none-match'), hit.etag)) {
		return new Response(null, { status: 304, headers: pick(headers, ['etag', 'cache-control', 'vary', 'x-loopmeter-cache']) });
	}
	return new Response(hit.body.slice(), { status: hit.status, headers });
}

/**
 * Sends `response` on, with an ETag naming this very rendering, and keeps a
 * copy of its body once complete if nothing failed while it was produced.
 * Streamed pages stay streamed: the copy is read beside the browser's.
 * `failed` is asked when the body has ended (streamed panels fail late).
 */
export function keep(slot: CacheSlot, response: Response, opts: { failed?: () => boolean; signal?: AbortSignal } = {}): Response {
	const failed = opts.failed ?? requestFailed;
	if (response.status !== 200 || !response.body || response.headers.has('set-cookie')) return response;
	const etag = `W/"${createHash('sha256').update(`${slot.version}|${slot.key}`).digest('base64url').slice(0, 16)}-${randomBytes(6).toString('base64url')}"`;
	const [toBrowser, toCache] = response.body.tee();
	const headers = new Headers(response.headers);
	headers.set('etag', etag);
	headers.set('cache-control', CACHE_CONTROL);
	headers.set('x-loopmeter-cache', 'miss');
	void collect(toCache, opts.signal).then((body) => {
		if (!body || failed()) return;
		store.entries.set(slot.key, { version: slot.version, etag, at: Date.now(), status: response.status, headers: REPLAYED.flatMap((h) => (headers.has(h) ? [[h, headers.get(h)!] as [string, string]] : [])), body });
		store.bytes += body.byteLength;
		evict();
	});
	return new Response(toBrowser, { status: response.status, statusText: response.statusText, headers });
}

/** The whole body, or undefined when it was cut short or is too big to keep. */
async function collect(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Uint8Array | undefined> {
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = stream.getReader();
	// The browser went away: stop rendering for it (its panels' queries are cancelled too) rather than finish for the cache.
	const stop = () => void reader.cancel().catch(() => undefined);
	if (signal?.aborted) stop();
	signal?.addEventListener('abort', stop, { once: true });
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			// Keep reading (the browser's half of the tee would otherwise buffer), but drop the copy.
			if (size <= MAX_ENTRY_BYTES) chunks.push(value);
		}
	} catch {
		return undefined;
	} finally {
		signal?.removeEventListener('abort', stop);
	}
	if (size > MAX_ENTRY_BYTES || signal?.aborted) return undefined;
	const body = new Uint8Array(size);
	let at = 0;
	for (const c of chunks) {
		body.set(c, at);
		at += c.byteLength;
	}
	return body;
}

function etagMatches(header: string | null, etag: string): boolean {
	if (!header) return false;
	const bare = (t: string) => t.trim().replace(/^W\//, '');
	return header === '*' || header.split(',').some((t) => bare(t) === bare(etag));
}

function pick(headers: Headers, names: string[]): Headers {
	const out = new Headers();
	for (const n of names) if (headers.has(n)) out.set(n, headers.get(n)!);
	return out;
}

function drop(key: string): void {
	const e = store.entries.get(key);
	if (!e) return;
	store.bytes -= e.body.byteLength;
	store.entries.delete(key);
}

/** Expired responses go, then the oldest while over a bound (Map order = insertion order). */
function evict(): void {
	const now = Date.now();
	for (const [k, e] of store.entries) {
		const over = store.entries.size > MAX_ENTRIES || store.bytes > MAX_BYTES;
		if (now - e.at >= TTL_MS || over) drop(k);
		else break;
	}
}

/** Forget every kept response (tests). */
export function clearResponseCache(): void {
	store.entries.clear();
	store.bytes = 0;
}

/** Responses kept and their bytes. */
export function responseCacheStats(): { entries: number; bytes: number } {
	return { entries: store.entries.size, bytes: store.bytes };
}
