import { json } from '@sveltejs/kit';
import { handleStripeWebhook } from '$ingest/stripe/webhook';
import type { RequestHandler } from './$types';

/**
 * Stripe webhook. Public (no session): it proves the sender with the Stripe
 * signature instead; the raw body is what was signed, so it is read as text.
 */
export const POST: RequestHandler = async ({ request, getClientAddress }) => {
	const payload = await request.text();
	let remote = '';
	try {
		remote = getClientAddress();
	} catch {
		// Not every adapter knows the client address; the attempt is logged without it.
	}
	const result = await handleStripeWebhook(payload, request.headers.get('stripe-signature'), { remote });
	return json(result.body, { status: result.status });
};
