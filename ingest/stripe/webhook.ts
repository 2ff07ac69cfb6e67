import Stripe from 'stripe';
import { randomUUID } from 'node:crypto';
import { readConfig, type Config } from '../../src/lib/server/config.js';
import { getWarehouse } from '../../src/lib/server/warehouse/index.js';
import { applyEvent } from './apply.js';
import { invoiceLineFetcher } from './backfill.js';
import { redactSecrets, stripeClient } from './client.js';
import { WriteBudget } from '../../src/lib/server/http/write-budget.js';

/**
 * POST /api/v1/stripe/webhook, minus the HTTP framing (the route is a thin
 * wrapper; tests call this directly).
 * - The signature is checked with stripe.webhooks.constructEvent against
 *   STRIPE_WEBHOOK_SECRET with the SDK's default tolerance (300 s): a forged,
 *   missing or stale signature is answered 400 and recorded in
 *   stripe_webhook_attempts (never the payload, never the secret).
 * - A verified event goes through applyEvent, the same path as sync and event
 *   files: already-applied ids are duplicates (200, nothing changes), states
 *   converge whatever the delivery order, and an event Loopmeter cannot use is
 *   dead-lettered but still acknowledged with 200 — Stripe retrying it would
 *   not make it valid. Only a warehouse failure answers 500, so Stripe retries.
 * The work is a handful of small inserts, so the answer comes back in
 * milliseconds; `loopmeter stripe sync` is the safety net for anything missed.
 */

export interface WebhookResponse {
	status: number;
	body: { received: boolean; outcome: string; event_id?: string; message?: string };
}

const verifier = Stripe.webhooks;

export async function handleStripeWebhook(payload: string, signature: string | null, meta: { remote?: string; config?: Config } = {}): Promise<WebhookResponse> {
	const config = meta.config ?? readConfig();
	const secret = config.STRIPE_WEBHOOK_SECRET;
	const peek = peekEvent(payload);
	if (!secret) {
		const message = 'the webhook is not configured: set STRIPE_WEBHOOK_SECRET (whsec_…) to the endpoint signing secret';
		await recordAttempt(peek, 503, 'not_configured', message, meta.remote);
		return { status: 503, body: { received: false, outcome: 'not_configured', message } };
	}
	let event: Stripe.Event;
	try {
		event = verifier.constructEvent(payload, signature ?? '', secret);
	} catch (e) {
		const text = redactSecrets((e as Error).message, config);
		const stale = /tolerance/i.test(text);
		const outcome = stale ? 'stale_signature' : 'bad_signature';
		const message = stale
			? 'signature timestamp is outside the 300 s tolerance (a replay or a clock problem)'
			: `signature verification failed: ${text.split('\n')[0]}`;
		await recordAttempt(peek, 400, outcome, message, meta.remote);
		return { status: 400, body: { received: false, outcome, message } };
	}
	try {
		// An invoice with more lines than its payload carries needs the API: used only then, and only with a key.
		const fetchInvoiceLines = config.STRIPE_SECRET_KEY ? (id: string) => invoiceLineFetcher(stripeClient(config))(id) : undefined;
		const outcome = await oneAtATime(event.id, () => applyEvent(event, { via: 'webhook', runId: `stripe-webhook-${randomUUID()}`, file: 'webhook', fileHash: event.id, fetchInvoiceLines }));
		const message = outcome.kind === 'rejected' ? outcome.reason : outcome.kind === 'ignored' ? outcome.reason : undefined;
		await recordAttempt({ id: event.id, type: event.type }, 200, outcome.kind, message ?? '', meta.remote);
		return { status: 200, body: { received: true, outcome: outcome.kind, event_id: event.id, ...(message ? { message } : {}) } };
	} catch (e) {
		const message = redactSecrets(`could not store the event: ${(e as Error).message}`, config);
		await recordAttempt({ id: event.id, type: event.type }, 500, 'error', message, meta.remote);
		return { status: 500, body: { received: false, outcome: 'error', event_id: event.id, message: 'could not store the event; Stripe will retry' } };
	}
}

/**
 * Deliveries of one event id run one after another: applyEvent checks the
 * ledger (stripe_events) and then writes, so two deliveries racing between
 * the check and the write both applied. Chained per id, the second one finds
 * the first one's ledger row and is a duplicate. (One app process receives
 * the webhook; a second process would need its own endpoint.)
 */
const inFlight = new Map<string, Promise<unknown>>();

export function oneAtATime<T>(id: string, work: () => Promise<T>): Promise<T> {
	const previous = inFlight.get(id) ?? Promise.resolve();
	const run = previous.then(work, work);
	const settled = run.then(
		() => undefined,
		() => undefined
	);
	inFlight.set(id, settled);
	void settled.then(() => {
		if (inFlight.get(id) === settled) inFlight.delete(id);
	});
	return run;
}

/** Id and type of an unverified body, for the attempt log only: never trusted, never applied. */
function peekEvent(payload: string): { id: string; type: string } {
	try {
		const v = JSON.parse(payload) as { id?: unknown; type?: unknown };
		const clip = (x: unknown) => (typeof x === 'string' ? x.slice(0, 100) : '');
		return { id: clip(v.id), type: clip(v.type) };
	} catch {
		return { id: '', type: '' };
	}
}

/**
 * Unsigned deliveries are anyone's: one row per sender address and outcome a
 * minute (with the count left out since), 60 a minute in all, so nobody can
 * grow stripe_webhook_attempts without bound. Verified deliveries are Stripe's
 * own and always recorded.
 */
const refusedBudget = new WriteBudget({ perKeyMs: 60_000, globalMax: 60, globalWindowMs: 60_000 });

export function resetWebhookBudget(): void {
	refusedBudget.reset();
}

/** Logs a delivery. A warehouse fault here must not change the answer Stripe gets, so it is reported and swallowed. */
async function recordAttempt(ev: { id: string; type: string }, status: number, outcome: string, message: string, remote = ''): Promise<void> {
	if (status !== 200 && status !== 500) {
		const grant = refusedBudget.take(`${remote} ${outcome}`);
		if (!grant.write) return;
		if (grant.suppressed) message = `${message} (${grant.suppressed} more ${outcome} deliveries from this address since the last entry)`;
	}
	try {
		const wh = await getWarehouse();
		await wh.client.insert({
			table: 'stripe_webhook_attempts',
			format: 'JSONEachRow',
			values: [{ event_id: ev.id, event_type: ev.type, status_code: status, outcome, message: message.slice(0, 1000), remote_address: remote }]
		});
	} catch (e) {
		console.error(`stripe webhook: could not record the ${outcome} delivery of ${ev.id || 'an unidentified event'}: ${(e as Error).message.split('\n')[0]}`);
	}
}
