import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Stripe API, enough for backfill and sync: the list
 * endpoints Loopmeter reads, with Stripe's cursor pagination (newest first,
 * `limit`, `has_more`, `starting_after`, `ending_before`), invoice line pages,
 * and /v1/events. Its objects are the final states of an event history, so
 * "backfill" and "replay the events" describe the same account. Requests are
 * recorded for assertions. Point the SDK at it with host/port/protocol.
 */

type Obj = Record<string, unknown> & { id: string; created?: number };

const LISTS: Record<string, string> = {
	customers: 'customer',
	products: 'product',
	prices: 'price',
	subscriptions: 'subscription',
	coupons: 'coupon',
	invoices: 'invoice',
	credit_notes: 'credit_note',
	charges: 'charge',
	refunds: 'refund'
};

export interface FakeStripeOptions {
	/** The history, in any order; objects are the newest state per id. */
	events: Record<string, unknown>[];
	apiKey: string;
	/** Lines an invoice carries inline before `has_more` (Stripe: 10). */
	inlineLines?: number;
	/** When true, a wrong key is echoed back in the error (as a careless proxy might). */
	echoKeyInErrors?: boolean;
}

export interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
}

export interface FakeStripe {
	endpoint: { host: string; port: number; protocol: 'http' };
	url: string;
	requests: RecordedRequest[];
	/** Adds events (and the states they carry) after start, like activity after a backfill. */
	push(events: Record<string, unknown>[]): void;
	close(): Promise<void>;
}

export async function startFakeStripe(opts: FakeStripeOptions): Promise<FakeStripe> {
	const inline = opts.inlineLines ?? 10;
	let events: Obj[] = [];
	const objects = new Map<string, { obj: Obj; at: number; seq: number }>();
	let seq = 0;
	const push = (list: Record<string, unknown>[]) => {
		for (const e of list as Obj[]) {
			events.push({ ...e, _seq: seq++ } as Obj);
			const o = (e.data as { object: Obj }).object;
			const key = `${String(o.object)}:${o.id}`;
			const prev = objects.get(key);
			const at = Number(e.created);
			if (!prev || at >= prev.at) objects.set(key, { obj: o, at, seq: seq });
		}
		// Stripe lists newest first.
		events = events.sort((a, b) => Number(b.created) - Number(a.created) || Number(b._seq) - Number(a._seq));
	};
	push(opts.events);
	const requests: RecordedRequest[] = [];

	const listOf = (type: string, q: Record<string, string>): Obj[] => {
		const all = [...objects.values()].map((v) => v.obj).filter((o) => o.object === type);
		const visible = type === 'subscription' && q.status !== 'all' ? all.filter((o) => o.status !== 'canceled') : all;
		return visible.sort((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0) || (a.id < b.id ? 1 : -1));
	};

	/** A cursor id that is not in the list: Stripe answers 400 resource_missing. */
	const unknownCursor = (items: Obj[], q: Record<string, string>) => {
		const cursor = q.ending_before ?? q.starting_after;
		return cursor !== undefined && !items.some((o) => o.id === cursor) ? cursor : undefined;
	};

	const page = (items: Obj[], q: Record<string, string>, url: string) => {
		const limit = Math.min(Number(q.limit ?? 10), 100);
		let slice: Obj[];
		let hasMore: boolean;
		if (q.ending_before) {
			const idx = items.findIndex((o) => o.id === q.ending_before);
			const before = idx < 0 ? [] : items.slice(0, idx);
			slice = before.slice(Math.max(0, before.length - limit));
			hasMore = before.length > limit;
		} else {
			const idx = q.starting_after ? items.findIndex((o) => o.id === q.starting_after) : -1;
			const after = items.slice(idx + 1);
			slice = after.slice(0, limit);
			hasMore = after.length > limit;
		}
		return { object: 'list', url, has_more: hasMore, data: slice.map(({ _seq, ...o }) => (void _seq, o)) };
	};

	/** `types[]` (the SDK sends types[0], types[1]…), with Stripe's `*` wildcard: only events of those types. */
	const ofTypes = (list: Obj[], sp: URLSearchParams): Obj[] => {
		const patterns = [...sp].filter(([k]) => /^types(\[\d*\])?$/.test(k)).map(([, v]) => new RegExp(`^${v.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`));
		return patterns.length ? list.filter((e) => patterns.some((p) => p.test(String(e.type)))) : list;
	};

	const withInlineLines = (inv: Obj): Obj => {
		const lines = inv.lines as { data: unknown[] };
		return { ...inv, lines: { ...lines, data: lines.data.slice(0, inline), has_more: lines.data.length > inline } };
	};

	const handle = (req: IncomingMessage, res: ServerResponse) => {
		const url = new URL(req.url ?? '/', 'http://fake');
		const q = Object.fromEntries(url.searchParams);
		requests.push({ method: req.method ?? 'GET', path: url.pathname, query: q });
		const send = (status: number, body: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${requests.length}` });
			res.end(JSON.stringify(body));
		};
		const auth = req.headers.authorization ?? '';
		if (auth !== `Bearer ${opts.apiKey}`) {
			const given = auth.replace(/^Bearer /, '');
			return send(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${opts.echoKeyInErrors ? given : '****'}` } });
		}
		if (req.method !== 'GET') return send(405, { error: { type: 'invalid_request_error', message: 'read-only fake' } });
		const parts = url.pathname.split('/').filter(Boolean);
		if (parts[0] !== 'v1') return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${url.pathname})` } });
		if (parts.length === 2 && parts[1] === 'events') {
			const missing = unknownCursor(events, q);
			if (missing) return send(400, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such event: '${missing}'`, param: 'ending_before' } });
			return send(200, page(ofTypes(events, url.searchParams), q, '/v1/events'));
		}
		if (parts.length === 2 && LISTS[parts[1]!]) {
			const type = LISTS[parts[1]!]!;
			const body = page(listOf(type, q), q, url.pathname);
			if (type === 'invoice') body.data = body.data.map((o) => withInlineLines(o as Obj));
			return send(200, body);
		}
		if (parts.length === 4 && parts[1] === 'invoices' && parts[3] === 'lines') {
			const inv = objects.get(`invoice:${parts[2]}`)?.obj;
			if (!inv) return send(404, { error: { type: 'invalid_request_error', message: `No such invoice: '${parts[2]}'` } });
			return send(200, page((inv.lines as { data: Obj[] }).data, q, url.pathname));
		}
		return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${url.pathname})` } });
	};

	const server = createServer(handle);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		endpoint: { host: '127.0.0.1', port, protocol: 'http' },
		url: `http://127.0.0.1:${port}`,
		requests,
		push,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}
