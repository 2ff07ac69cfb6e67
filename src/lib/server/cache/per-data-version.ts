import { sideQuery } from '../warehouse/index.js';

/**
 * Page loads ask the warehouse the same questions many times, and the embedded
 * engine answers them on a few connections (as many as the cores): under load
 * every visit queues behind the others. A `PerDataVersionCache` shares one in-flight or
 * recent answer per key *and data version*: the version is read cheaply (part
 * metadata or one aggregate, on a side connection, so it does not queue behind
 * the panels' queries) and changes as soon as rows land, so a cached answer is
 * never older than the data it describes by more than the version's own TTL.
 */

export interface DataVersion {
	/** The current version; equal strings mean "nothing a cached answer depends on has changed". */
	(): Promise<string>;
	/** Forget the remembered version (after a write this process made). */
	forget(): void;
}

/**
 * A version read by `sql` (one row, one String column `v`), remembered for
 * `ttlMs` and shared by concurrent callers. A failed read gives a fresh value,
 * so nothing is served from the cache while the warehouse cannot say.
 */
export function versionFrom(sql: string, opts: { tag: string; ttlMs: number }): DataVersion {
	// One memory per tag in the process: `loopmeter serve` (and the test dev server) hold two copies of
	// this module, and an ingest through one must make the other's pages see the new data at once too.
	const remembered = ((globalThis as Record<symbol, unknown>)[VERSIONS] ??= new Map()) as Map<string, { at: number; value: Promise<string> }>;
	const read = (() => {
		const current = remembered.get(opts.tag);
		if (current && Date.now() - current.at < opts.ttlMs) return current.value;
		// On the side connection: a version read must not wait behind the panels it decides about.
		const value = sideQuery<{ v: string }>(sql, { tag: opts.tag })
			.then((r) => r[0]?.v ?? '')
			.catch(() => `unknown-${Date.now()}-${Math.random()}`);
		remembered.set(opts.tag, { at: Date.now(), value });
		return value;
	}) as DataVersion;
	read.forget = () => {
		remembered.delete(opts.tag);
	};
	return read;
}
const VERSIONS = Symbol.for('loopmeter.cache.data-versions');

/**
 * Changes whenever rows land in (or merge within) a table the metrics read: the
 * newest part, the number of parts and their rows. Remembered 5 s, so a load of
 * new data shows within 5 s.
 */
export const sourceDataVersion = versionFrom(
	`SELECT concat(toString(max(modification_time)), '/', toString(count()), '/', toString(sum(rows))) AS v
	FROM system.parts
	WHERE active AND database = currentDatabase()
		AND (table IN ('impressions', 'videos', 'generation_jobs', 'gpu_fleet', 'gpu_price_sheets', 'gpu_invoices', 'budgets', 'users', 'fx_rates', 'ad_revenue', 'closed_months') OR startsWith(table, 'stripe_') OR startsWith(table, 'rollup_'))`,
	{ tag: 'cache:data-version', ttlMs: 5_000 }
);

export interface PerDataVersionCacheOptions<T> {
	/** What the cached answers depend on. */
	version: DataVersion;
	/** An answer is recomputed after this long even on the same version. */
	ttlMs: number;
	/** Most answers kept; the oldest go first. */
	maxEntries: number;
	/** Most bytes kept (by `sizeOf`), the oldest going first; unbounded when absent. */
	maxBytes?: number;
	/** Approximate size of an answer in bytes (default: its JSON length). */
	sizeOf?: (value: T) => number;
	/**
	 * Failures worth keeping for the version (one that would fail again the same
	 * way, e.g. a time limit); others are forgotten so the next visit retries.
	 */
	keepFailure?: (e: unknown) => boolean;
}

interface Entry<T> {
	at: number;
	result: Promise<T>;
	bytes: number;
	settled: boolean;
	/** Aborts the computation once every caller that asked for it has gone (see `get`'s `signal`). */
	controller: AbortController;
	/** Callers still waiting that may go away; a caller without a signal pins the computation. */
	waiting: number;
	pinned: boolean;
}

export class PerDataVersionCache<T> {
	readonly #entries = new Map<string, Entry<T>>();
	#bytes = 0;

	constructor(private readonly opts: PerDataVersionCacheOptions<T>) {}

	/**
	 * The answer for `key` on the current data version: shared if recent, else
	 * `compute()`d once. `version`: one the caller read already (several answers
	 * of one page load need the version read only once).
	 */
	async get(key: string, compute: (signal: AbortSignal) => Promise<T>, version?: string, signal?: AbortSignal): Promise<T> {
		const full = `${version ?? (await this.opts.version())}|${key}`;
		let entry = this.#entries.get(full);
		if (entry && Date.now() - entry.at >= this.opts.ttlMs) {
			this.#delete(full);
			entry = undefined;
		}
		entry ??= this.#start(full, compute);
		if (entry.settled) return entry.result;
		if (!signal) {
			entry.pinned = true;
			return entry.result;
		}
		return this.#wait(full, entry, signal);
	}

	#start(full: string, compute: (signal: AbortSignal) => Promise<T>): Entry<T> {
		const controller = new AbortController();
		const result = compute(controller.signal);
		const entry: Entry<T> = { at: Date.now(), result, bytes: 0, settled: false, controller, waiting: 0, pinned: false };
		this.#entries.set(full, entry);
		result.then(
			(value) => {
				entry.settled = true;
				if (this.#entries.get(full) !== entry) return;
				entry.bytes = this.#sizeOf(value);
				this.#bytes += entry.bytes;
				this.#evict();
			},
			(e: unknown) => {
				entry.settled = true;
				if (!this.opts.keepFailure?.(e) && this.#entries.get(full) === entry) this.#delete(full);
			}
		);
		this.#evict();
		return entry;
	}

	/**
	 * The shared result for one caller who may go away (`signal`): that caller
	 * alone is answered with an abort error, and the computation is aborted
	 * (and forgotten) only when nobody waits for it any more — one person
	 * leaving a page must not fail a panel that others are waiting for.
	 */
	#wait(full: string, entry: Entry<T>, signal: AbortSignal): Promise<T> {
		entry.waiting += 1;
		return new Promise<T>((resolve, reject) => {
			const leave = () => {
				entry.waiting -= 1;
				reject(signal.reason ?? new DOMException('The caller went away', 'AbortError'));
				if (!entry.settled && !entry.pinned && entry.waiting === 0) {
					entry.controller.abort();
					if (this.#entries.get(full) === entry) this.#delete(full);
				}
			};
			if (signal.aborted) return leave();
			signal.addEventListener('abort', leave, { once: true });
			entry.result.then(
				(value) => {
					signal.removeEventListener('abort', leave);
					resolve(value);
				},
				(e: unknown) => {
					signal.removeEventListener('abort', leave);
					reject(e);
				}
			);
		});
	}

	/** Drop every answer (after an ingest, or in tests). */
	clear(): void {
		this.#entries.clear();
		this.#bytes = 0;
	}

	/** What is held: answers (in flight included) and the bytes of those that arrived. */
	stats(): { entries: number; bytes: number } {
		return { entries: this.#entries.size, bytes: this.#bytes };
	}

	#sizeOf(value: T): number {
		if (this.opts.sizeOf) return this.opts.sizeOf(value);
		try {
			return JSON.stringify(value)?.length ?? 0;
		} catch {
			return 0;
		}
	}

	#delete(key: string): void {
		const e = this.#entries.get(key);
		if (!e) return;
		this.#bytes -= e.bytes;
		this.#entries.delete(key);
	}

	/** Expired answers go, then the oldest while over a bound (Map order = insertion order). */
	#evict(): void {
		const now = Date.now();
		const over = () => this.#entries.size > this.opts.maxEntries || (this.opts.maxBytes !== undefined && this.#bytes > this.opts.maxBytes);
		for (const [k, e] of this.#entries) {
			if (now - e.at >= this.opts.ttlMs || over()) this.#delete(k);
			else if (!over()) break;
		}
	}
}
