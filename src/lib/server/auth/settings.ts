import { readConfig, type Config } from '../config.js';
import { WriteBudget } from '../http/write-budget.js';
import { LoginLimiter } from './limiter.js';

type Settings = { config: Config; limiter: LoginLimiter; refusalAudit: WriteBudget };
// Process-wide, so tests (which import this module apart from the dev server) can reset it.
const KEY = Symbol.for('loopmeter.auth.settings');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= {}) as { cached?: Settings };

/**
 * Configuration, the sign-in limiter, and the budget of audit rows refused
 * sign-ins may write (one per address and account a minute, 60 a minute in
 * all): read once per process (tests reset them).
 */
export function authSettings(): Settings {
	if (!slot.cached) {
		const config = readConfig();
		slot.cached = {
			config,
			limiter: new LoginLimiter({
				maxFailures: config.LOOPMETER_LOGIN_MAX_FAILURES,
				ipMaxFailures: config.LOOPMETER_LOGIN_IP_MAX_FAILURES,
				lockoutMs: config.LOOPMETER_LOGIN_LOCKOUT_MINUTES * 60_000,
				maxConcurrent: config.LOOPMETER_LOGIN_MAX_CONCURRENT
			}),
			refusalAudit: new WriteBudget({ perKeyMs: 60_000, globalMax: 60, globalWindowMs: 60_000 })
		};
	}
	return slot.cached;
}

export function resetAuthSettings(): void {
	slot.cached = undefined;
}
