import Stripe from 'stripe';
import type { Config } from '../../src/lib/server/config.js';

/** The Stripe API could not be used as configured (missing key, bad base URL); the message says what to set. */
export class StripeSetupError extends Error {}

export interface StripeEndpoint {
	host: string;
	port: number;
	protocol: 'http' | 'https';
}

/**
 * The SDK client for backfill and sync. STRIPE_API_BASE (or `endpoint`, used by
 * the tests' fake server) points it elsewhere through the SDK's own
 * host/port/protocol options. The key is handed to the SDK only: never printed.
 */
export function stripeClient(config: Config, endpoint?: StripeEndpoint): Stripe {
	if (!config.STRIPE_SECRET_KEY) {
		throw new StripeSetupError('STRIPE_SECRET_KEY is not set: export a secret or restricted key with read access (sk_… or rk_…) to read from Stripe.');
	}
	const target = endpoint ?? (config.STRIPE_API_BASE ? endpointOf(config.STRIPE_API_BASE) : undefined);
	return new Stripe(config.STRIPE_SECRET_KEY, {
		...(target ?? {}),
		maxNetworkRetries: 2,
		timeout: 60_000,
		telemetry: false,
		appInfo: { name: 'loopmeter' }
	});
}

function endpointOf(base: string): StripeEndpoint {
	const url = new URL(base);
	const protocol = url.protocol === 'http:' ? 'http' : 'https';
	return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}

/**
 * Removes every configured secret, and anything shaped like a Stripe key or
 * signing secret, from a message before it is printed, stored or returned.
 * Stripe masks keys in its own errors; a proxy or a test server may not.
 */
export function redactSecrets(message: string, config?: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET'>): string {
	let out = message;
	for (const secret of [config?.STRIPE_SECRET_KEY, config?.STRIPE_WEBHOOK_SECRET]) if (secret) out = out.split(secret).join('[redacted]');
	return out.replace(/\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g, '$1_$2_[redacted]').replace(/\bwhsec_[A-Za-z0-9]+/g, 'whsec_[redacted]');
}
