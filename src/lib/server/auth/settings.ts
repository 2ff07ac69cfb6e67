import { readConfig, type Config } from '../config.js';
import { LoginLimiter } from './limiter.js';

let cached: { config: Config; limiter: LoginLimiter } | undefined;

/** Configuration and the sign-in limiter, read once per process (tests reset them). */
export function authSettings(): { config: Config; limiter: LoginLimiter } {
	if (!cached) {
		const config = readConfig();
		cached = {
			config,
			limiter: new LoginLimiter({
				maxFailures: config.LOOPMETER_LOGIN_MAX_FAILURES,
				ipMaxFailures: config.LOOPMETER_LOGIN_IP_MAX_FAILURES,
				lockoutMs: config.LOOPMETER_LOGIN_LOCKOUT_MINUTES * 60_000
			})
		};
	}
	return cached;
}

export function resetAuthSettings(): void {
	cached = undefined;
}
