import { readConfig, type Config } from '../config.js';
import { LoginLimiter } from './limiter.js';

type Settings = { config: Config; limiter: LoginLimiter };
// Process-wide, so tests (which import this module apart from the dev server) can reset it.
const KEY = Symbol.for('loopmeter.auth.settings');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= {}) as { cached?: Settings };

/** Configuration and the sign-in limiter, read once per process (tests reset them). */
export function authSettings(): { config: Config; limiter: LoginLimiter } {
	if (!slot.cached) {
		const config = readConfig();
		slot.cached = {
			config,
			limiter: new LoginLimiter({
				maxFailures: config.LOOPMETER_LOGIN_MAX_FAILURES,
				ipMaxFailures: config.LOOPMETER_LOGIN_IP_MAX_FAILURES,
				lockoutMs: config.LOOPMETER_LOGIN_LOCKOUT_MINUTES * 60_000
			})
		};
	}
	return slot.cached;
}

export function resetAuthSettings(): void {
	slot.cached = undefined;
}
