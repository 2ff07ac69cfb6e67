/**
 * Sign-in throttling, kept in memory (one app process serves the dashboard):
 * - per account: after `maxFailures` consecutive failures the account is locked
 *   for `lockoutMs`, even with the right password (the lock expires by itself);
 * - per client address: more than `ipMaxFailures` failures within `lockoutMs`
 *   refuses further attempts from that address, whatever the account.
 * A restart forgets both; the audit log keeps every failure.
 */
export interface LimiterOptions {
	maxFailures: number;
	ipMaxFailures: number;
	lockoutMs: number;
}

export type Verdict = { allowed: true } | { allowed: false; reason: 'account' | 'address'; retryAfterSec: number };

export class LoginLimiter {
	#accounts = new Map<string, { failures: number; lockedUntil: number }>();
	#addresses = new Map<string, number[]>();
	constructor(private readonly opts: LimiterOptions) {}

	check(ip: string, account: string, now = Date.now()): Verdict {
		const recent = this.#recent(ip, now);
		if (recent.length >= this.opts.ipMaxFailures) {
			return { allowed: false, reason: 'address', retryAfterSec: Math.ceil((recent[0]! + this.opts.lockoutMs - now) / 1000) };
		}
		const a = this.#accounts.get(account.toLowerCase());
		if (a && a.lockedUntil > now) return { allowed: false, reason: 'account', retryAfterSec: Math.ceil((a.lockedUntil - now) / 1000) };
		return { allowed: true };
	}

	/** Records a failure; returns true when it just locked the account. */
	fail(ip: string, account: string, now = Date.now()): boolean {
		const recent = this.#recent(ip, now);
		recent.push(now);
		this.#addresses.set(ip, recent);
		const key = account.toLowerCase();
		const a = this.#accounts.get(key) ?? { failures: 0, lockedUntil: 0 };
		if (a.lockedUntil && a.lockedUntil <= now) a.failures = 0;
		a.failures += 1;
		const locked = a.failures >= this.opts.maxFailures;
		if (locked) a.lockedUntil = now + this.opts.lockoutMs;
		this.#accounts.set(key, a);
		this.#prune(now);
		return locked && a.failures === this.opts.maxFailures;
	}

	succeed(account: string): void {
		this.#accounts.delete(account.toLowerCase());
	}

	reset(): void {
		this.#accounts.clear();
		this.#addresses.clear();
	}

	#recent(ip: string, now: number): number[] {
		return (this.#addresses.get(ip) ?? []).filter((t) => now - t < this.opts.lockoutMs);
	}

	// Bounded memory under a password-spraying flood.
	#prune(now: number): void {
		if (this.#addresses.size + this.#accounts.size < 20_000) return;
		for (const [ip, ts] of this.#addresses) if (!ts.some((t) => now - t < this.opts.lockoutMs)) this.#addresses.delete(ip);
		for (const [k, a] of this.#accounts) if (a.lockedUntil <= now) this.#accounts.delete(k);
	}
}
