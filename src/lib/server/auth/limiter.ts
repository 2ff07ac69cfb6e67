/**
 * Sign-in throttling, kept in memory (one app process serves the dashboard):
 * - per account: after `maxFailures` consecutive failures the account is locked
 *   for `lockoutMs`, even with the right password (the lock expires by itself);
 * - per client address: more than `ipMaxFailures` failures within `lockoutMs`
 *   refuses further attempts from that address, whatever the account;
 * - per client address: at most `maxConcurrent` sign-ins being checked at once.
 * An attempt is reserved synchronously by `begin`, before the password check
 * awaits anything, and counts against the limits until it ends: 30 parallel
 * wrong passwords see each other and only `maxFailures` of them are evaluated.
 * A restart forgets all of it; the audit log keeps the failures.
 */
export interface LimiterOptions {
	maxFailures: number;
	ipMaxFailures: number;
	lockoutMs: number;
	maxConcurrent?: number;
}

export type Refusal = { allowed: false; reason: 'account' | 'address' | 'busy'; retryAfterSec: number };
export type Verdict = { allowed: true } | Refusal;

/** A reserved sign-in attempt: end it exactly once, with its result. */
export interface Attempt {
	/** Wrong password or unknown name; returns true when this failure locked the account. */
	fail(now?: number): boolean;
	succeed(): void;
	/** Neither (the check itself broke): frees the reservation without counting a failure. */
	release(): void;
}

export class LoginLimiter {
	#accounts = new Map<string, { failures: number; lockedUntil: number; inFlight: number }>();
	#addresses = new Map<string, number[]>();
	#inFlightByAddress = new Map<string, number>();
	constructor(private readonly opts: LimiterOptions) {}

	/** Whether a new attempt would be allowed now (does not reserve one). */
	check(ip: string, account: string, now = Date.now()): Verdict {
		const recent = this.#recent(ip, now);
		const ipInFlight = this.#inFlightByAddress.get(ip) ?? 0;
		if (recent.length + ipInFlight >= this.opts.ipMaxFailures) {
			return { allowed: false, reason: 'address', retryAfterSec: recent.length ? Math.max(1, Math.ceil((recent[0]! + this.opts.lockoutMs - now) / 1000)) : 1 };
		}
		if (ipInFlight >= (this.opts.maxConcurrent ?? 4)) return { allowed: false, reason: 'busy', retryAfterSec: 1 };
		const a = this.#accounts.get(account.toLowerCase());
		if (a && a.lockedUntil > now) return { allowed: false, reason: 'account', retryAfterSec: Math.ceil((a.lockedUntil - now) / 1000) };
		// Attempts still being checked count as failures-to-be: the lock cannot be outrun by a burst.
		if (a && this.#liveFailures(a, now) + a.inFlight >= this.opts.maxFailures) return { allowed: false, reason: 'account', retryAfterSec: 1 };
		return { allowed: true };
	}

	/** Reserves an attempt (synchronously: call it before any await), or says why not. */
	begin(ip: string, account: string, now = Date.now()): { allowed: true; attempt: Attempt } | Refusal {
		const verdict = this.check(ip, account, now);
		if (!verdict.allowed) return verdict;
		const key = account.toLowerCase();
		const a = this.#accounts.get(key) ?? { failures: 0, lockedUntil: 0, inFlight: 0 };
		a.inFlight += 1;
		this.#accounts.set(key, a);
		this.#inFlightByAddress.set(ip, (this.#inFlightByAddress.get(ip) ?? 0) + 1);
		let ended = false;
		const end = () => {
			if (ended) return false;
			ended = true;
			a.inFlight = Math.max(0, a.inFlight - 1);
			const left = (this.#inFlightByAddress.get(ip) ?? 1) - 1;
			if (left > 0) this.#inFlightByAddress.set(ip, left);
			else this.#inFlightByAddress.delete(ip);
			return true;
		};
		return {
			allowed: true,
			attempt: {
				fail: (at = Date.now()) => (end() ? this.fail(ip, account, at) : false),
				succeed: () => {
					if (end()) this.succeed(account);
				},
				release: () => void end()
			}
		};
	}

	/** Records a failure; returns true when it just locked the account. */
	fail(ip: string, account: string, now = Date.now()): boolean {
		const recent = this.#recent(ip, now);
		recent.push(now);
		this.#addresses.set(ip, recent);
		const key = account.toLowerCase();
		const a = this.#accounts.get(key) ?? { failures: 0, lockedUntil: 0, inFlight: 0 };
		a.failures = this.#liveFailures(a, now) + 1;
		if (a.lockedUntil <= now) a.lockedUntil = 0;
		const locked = a.failures >= this.opts.maxFailures;
		const lockedNow = locked && a.lockedUntil === 0;
		if (locked && lockedNow) a.lockedUntil = now + this.opts.lockoutMs;
		this.#accounts.set(key, a);
		this.#prune(now);
		return lockedNow;
	}

	succeed(account: string): void {
		const key = account.toLowerCase();
		const a = this.#accounts.get(key);
		if (a && a.inFlight > 0) {
			a.failures = 0;
			a.lockedUntil = 0;
		} else this.#accounts.delete(key);
	}

	reset(): void {
		this.#accounts.clear();
		this.#addresses.clear();
		this.#inFlightByAddress.clear();
	}

	// Failures before an expired lock no longer count: the account starts afresh.
	#liveFailures(a: { failures: number; lockedUntil: number }, now: number): number {
		return a.lockedUntil && a.lockedUntil <= now ? 0 : a.failures;
	}

	#recent(ip: string, now: number): number[] {
		return (this.#addresses.get(ip) ?? []).filter((t) => now - t < this.opts.lockoutMs);
	}

	// Bounded memory under a password-spraying flood.
	#prune(now: number): void {
		if (this.#addresses.size + this.#accounts.size < 20_000) return;
		for (const [ip, ts] of this.#addresses) if (!ts.some((t) => now - t < this.opts.lockoutMs)) this.#addresses.delete(ip);
		for (const [k, a] of this.#accounts) if (a.lockedUntil <= now && a.inFlight === 0) this.#accounts.delete(k);
	}
}
