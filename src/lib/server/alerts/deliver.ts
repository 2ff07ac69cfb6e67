import { createHmac } from 'node:crypto';
import type { AlertWebhook } from './rules.js';

/**
 * One webhook delivery: POST the body, signed with HMAC-SHA256 when the webhook
 * has a secret, retried with exponential backoff on network errors, timeouts,
 * 429 and 5xx (a 4xx other than 429 will not get better by asking again).
 */

export interface DeliveryOptions {
	/** Attempts in all, first included. */
	attempts?: number;
	/** Wait before the 2nd attempt; doubles each time (500 ms, 1 s, 2 s…). */
	baseDelayMs?: number;
	timeoutMs?: number;
	/** Reads secret_env (tests pass their own). */
	env?: Record<string, string | undefined>;
	now?: () => Date;
}

export interface DeliveryOutcome {
	status: 'delivered' | 'failed';
	attempts: number;
	http_status: number;
	error: string;
}

export const SIGNATURE_HEADER = 'x-loopmeter-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed too, so a captured request cannot be replayed later unnoticed. */
export function signature(secret: string, body: string, unixSeconds: number): string {
	const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
	return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver does: recompute the HMAC and compare (tests use it; receivers can copy it). */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
	const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (!m) return false;
	const t = Number(m[1]);
	if (Math.abs(now / 1000 - t) > toleranceSeconds) return false;
	return signature(secret, body, t) === header;
}

const retryable = (status: number) => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function deliver(webhook: AlertWebhook, body: string, opts: DeliveryOptions = {}): Promise<DeliveryOutcome> {
	const attempts = opts.attempts ?? 4;
	const base = opts.baseDelayMs ?? 500;
	const env = opts.env ?? process.env;
	let secret: string | undefined;
	if (webhook.secret_env) {
		secret = env[webhook.secret_env];
		// Sending unsigned when a signature was asked for would teach the receiver to accept unsigned bodies.
		if (!secret) return { status: 'failed', attempts: 0, http_status: 0, error: `environment variable ${webhook.secret_env} (secret_env of webhook ${webhook.id}) is not set` };
	}
	let last: DeliveryOutcome = { status: 'failed', attempts: 0, http_status: 0, error: '' };
	for (let i = 1; i <= attempts; i++) {
		if (i > 1) await sleep(base * 2 ** (i - 2));
		const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'loopmeter-alerts' };
		if (secret) headers[SIGNATURE_HEADER] = signature(secret, body, Math.floor((opts.now?.() ?? new Date()).getTime() / 1000));
		try {
			const res = await fetch(webhook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
			await res.arrayBuffer().catch(() => undefined);
			if (res.ok) return { status: 'delivered', attempts: i, http_status: res.status, error: '' };
			last = { status: 'failed', attempts: i, http_status: res.status, error: `HTTP ${res.status}` };
			if (!retryable(res.status)) return last;
		} catch (e) {
			const err = e as Error & { cause?: { code?: string } };
			last = { status: 'failed', attempts: i, http_status: 0, error: err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.message).slice(0, 300) };
		}
	}
	return last;
}
