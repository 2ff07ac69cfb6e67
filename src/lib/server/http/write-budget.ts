/**
 * Bounds the warehouse rows that requests nobody has proven themselves for
 * (throttled sign-ins, refused webhook deliveries, refused tokens) can cause:
 * at most one row per key (address, account, outcome…) per `perKeyMs`, and at
 * most `globalMax` rows per `globalWindowMs` whatever the keys, so neither one
 * client nor many can grow a table faster than that. What was left out is
 * counted and reported by the next row written for the key.
 */
export interface WriteBudgetOptions {
	perKeyMs: number;
	globalMax: number;
	globalWindowMs: number;
	/** Keys remembered at most (memory stays bounded under a flood of distinct keys). */
	maxKeys?: number;
}

export type Grant = { write: true; suppressed: number } | { write: false };

export class WriteBudget {
	#keys = new Map<string, { at: number; suppressed: number }>();
	#windowStart = 0;
	#inWindow = 0;
	constructor(private readonly opts: WriteBudgetOptions) {}

	take(key: string, now = Date.now()): Grant {
		const k = this.#keys.get(key);
		if (k && now - k.at < this.opts.perKeyMs) {
			k.suppressed += 1;
			return { write: false };
		}
		if (now - this.#windowStart >= this.opts.globalWindowMs) {
			this.#windowStart = now;
			this.#inWindow = 0;
		}
		if (this.#inWindow >= this.opts.globalMax) {
			if (k) k.suppressed += 1;
			return { write: false };
		}
		this.#inWindow += 1;
		if (this.#keys.size >= (this.opts.maxKeys ?? 10_000)) this.#prune(now);
		this.#keys.set(key, { at: now, suppressed: 0 });
		return { write: true, suppressed: k?.suppressed ?? 0 };
	}

	reset(): void {
		this.#keys.clear();
		this.#inWindow = 0;
		this.#windowStart = 0;
	}

	#prune(now: number): void {
		for (const [key, v] of this.#keys) if (now - v.at >= this.opts.perKeyMs) this.#keys.delete(key);
		// Still full: every key is recent, so a flood; forget them (the global cap still holds).
		if (this.#keys.size >= (this.opts.maxKeys ?? 10_000)) this.#keys.clear();
	}
}
