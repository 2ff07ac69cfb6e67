import { noteRequestFailure } from '../http/person-slots.js';
import { PerDataVersionCache, sourceDataVersion } from './per-data-version.js';

/**
 * Row tables that pages show beside their panels (the Revenue page's movers and
 * refunds, the Compute page's top requesters) ran on every visit. They read the
 * source tables only, so they share the panels' data version: repeated visits
 * answer from memory until data lands. Their functions never throw (they return
 * `{ ok: false, error }`); such an answer is not kept, so the next visit retries.
 */
const cache = new PerDataVersionCache<{ ok: boolean }>({
	version: sourceDataVersion,
	ttlMs: 10 * 60_000,
	maxEntries: 200,
	// The Revenue page's refunds have no row limit: bound what is kept.
	maxBytes: 128 * 2 ** 20
});

class NotKept extends Error {
	constructor(readonly value: { ok: boolean }) {
		super('failed answer, not cached');
	}
}

/** `compute()` for this `name` and request, answered from memory while the data is unchanged. */
export function cachedPageTable<T extends { ok: boolean }>(name: string, request: unknown, compute: () => Promise<T>): Promise<T> {
	return cache
		.get(`${name}|${JSON.stringify(request)}`, async () => {
			const value = await compute();
			if (!value.ok) throw new NotKept(value);
			return value;
		})
		.catch((e: unknown) => {
			// A page showing a failed table is not kept as rendered (http/response-cache.ts).
			noteRequestFailure();
			if (e instanceof NotKept) return e.value;
			throw e;
		}) as Promise<T>;
}

/** Forget every cached table (tests). */
export function clearPageTableCache(): void {
	cache.clear();
}
