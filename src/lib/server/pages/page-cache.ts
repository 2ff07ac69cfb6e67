import { noteRequestFailure } from '../http/person-slots.js';
import { PerDataVersionCache, sourceDataVersion } from '../cache/per-data-version.js';
import { QueryTimeoutError } from '../warehouse/errors.js';

/**
 * The one cache of what pages show: panels, the rows and tables beside them,
 * filter-bar values and the data's first and latest day. Pages ask the same
 * questions many times (a tile's sparkline is the chart below it; every page
 * view repeats the previous period), and all of these read only the source
 * tables, so one answer per question and data version (the newest part of the
 * source tables) is shared by every visitor; a load of new data is seen at
 * once. One instance means one memory bound for all of it. The API and CLI
 * always compute afresh.
 */
const cache = new PerDataVersionCache<unknown>({
	version: sourceDataVersion,
	ttlMs: 10 * 60_000,
	maxEntries: 1_000,
	// Answers are small (panel results ≤ 60 kB of JSON each at 10 M impressions;
	// Node's heap peaked under 200 MiB in the load test): the byte bound guards
	// against a breakdown with very many groups, or the Revenue page's refunds
	// (no row limit), filling the heap.
	maxBytes: 128 * 2 ** 20,
	// A query stopped by the time limit will be stopped again on the same data:
	// keep that answer (until the data changes or the TTL ends) so every later
	// visitor sees the error at once instead of waiting out the limit. Other
	// failures may be passing (the warehouse busy, a lock): retry them.
	keepFailure: (e) => e instanceof QueryTimeoutError
});

/**
 * `compute()` for this `kind` of answer and `key`, shared while the data is unchanged.
 * `kind` keeps the answers of different callers apart.
 */
export function cachedForPages<T>(kind: string, key: string, compute: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
	// `signal`: the asking request's; the computation stops only when every request waiting for it has gone.
	return cache.get(`${kind}|${key}`, compute, undefined, signal) as Promise<T>;
}

class NotKept extends Error {
	constructor(readonly value: { ok: boolean }) {
		super('failed answer, not cached');
	}
}

/**
 * A row table shown beside the panels (the Revenue page's movers and refunds,
 * the Compute page's top requesters), cached like them. Its function never
 * throws (it returns `{ ok: false, error }`); such an answer is not kept, so
 * the next visit retries.
 */
export function cachedPageTable<T extends { ok: boolean }>(name: string, request: unknown, compute: () => Promise<T>): Promise<T> {
	return cachedForPages(`table:${name}`, JSON.stringify(request), async () => {
		const value = await compute();
		if (!value.ok) throw new NotKept(value);
		return value;
	}).catch((e: unknown) => {
		// A page showing a failed table is not kept as rendered (server/response-cache.ts).
		noteRequestFailure();
		if (e instanceof NotKept) return e.value as T;
		throw e;
	});
}

/** Forget every cached page answer (tests). */
export function clearPageCache(): void {
	cache.clear();
}
