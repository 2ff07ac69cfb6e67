/**
 * Short-lived memory of who a session or token belongs to, so a page view does
 * not cost a warehouse round trip per request. Every change made by this
 * process (logout, reset, revocation) clears it at once; changes made by another
 * process (the CLI against a ClickHouse server) take effect within TTL_MS.
 * It also keeps signed-in people working through a short warehouse outage.
 */
export const TTL_MS = 15_000;

interface Entry<T> {
	value: T;
	at: number;
}

export class TtlCache<T> {
	#map = new Map<string, Entry<T>>();
	constructor(private readonly ttl = TTL_MS, private readonly max = 10_000) {}

	get(key: string, now = Date.now()): T | undefined {
		const e = this.#map.get(key);
		if (!e) return undefined;
		if (now - e.at > this.ttl) {
			this.#map.delete(key);
			return undefined;
		}
		return e.value;
	}

	/** The value even when stale: used only while the warehouse is unreachable. */
	stale(key: string): T | undefined {
		return this.#map.get(key)?.value;
	}

	set(key: string, value: T, now = Date.now()): void {
		if (this.#map.size >= this.max) this.#map.delete(this.#map.keys().next().value!);
		this.#map.set(key, { value, at: now });
	}

	delete(key: string): void {
		this.#map.delete(key);
	}

	clear(): void {
		this.#map.clear();
	}
}

// Process-wide (like the warehouse handle): a dev-server reload or a test that
// imports this module separately must still clear the caches the server uses.
const KEY = Symbol.for('loopmeter.auth.caches');
const caches: Set<TtlCache<unknown>> = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Set<TtlCache<unknown>>()) as Set<TtlCache<unknown>>;

export function registerCache<T>(c: TtlCache<T>): TtlCache<T> {
	caches.add(c as TtlCache<unknown>);
	return c;
}

export function invalidateAuthCaches(): void {
	for (const c of caches) c.clear();
}
