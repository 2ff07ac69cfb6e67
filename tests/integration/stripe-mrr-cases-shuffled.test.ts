import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { readConfig } from '../../src/lib/server/config.js';
import { stripeClient } from '../../ingest/stripe/client.js';
import { typedTables } from '../../ingest/stripe/rows.js';
import { syncEvents } from '../../ingest/stripe/sync.js';
import { handleStripeWebhook } from '../../ingest/stripe/webhook.js';
import { command } from '../../src/lib/server/warehouse/index.js';
import { mrrCaseEvents } from '../fixtures/stripe/mrr-cases.js';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.js';
import { describeMrrCases } from '../helpers/mrr-cases-suite.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { shuffled } from '../helpers/shuffled.js';

// The same MRR cases as stripe-mrr-cases.test.ts, arriving out of order: as
// signed webhooks in a shuffled order (some twice), then through `stripe sync`
// from the fake Stripe, which lists events newest first. Same figures expected.
const { open } = useTempWarehouse('loopmeter-stripe-mrr-shuffled-');
const KEY = 'sk_test_mrrcases0123456789';
const WHSEC = 'whsec_mrrcases0123456789';
process.env.STRIPE_SECRET_KEY = KEY;
process.env.STRIPE_WEBHOOK_SECRET = WHSEC;

const history = mrrCaseEvents();
let fake: FakeStripe | undefined;
afterAll(async () => fake?.close());

async function reset() {
	for (const t of [...typedTables, 'stripe_objects', 'stripe_events', 'stripe_cursors', 'dead_letters']) await command(`TRUNCATE TABLE ${t}`, { tag: 'test:reset' });
}

describe('webhooks in a shuffled order', () => {
	beforeAll(async () => {
		await open();
		const deliveries = shuffled([...history, ...history.slice(0, 15)], 23);
		for (const ev of deliveries) {
			const payload = JSON.stringify(ev);
			const res = await handleStripeWebhook(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC }));
			expect(res.status).toBe(200);
		}
	});
	describeMrrCases('signed webhooks, shuffled, some twice', { exactness: false });
});

describe('stripe sync from the fake Stripe, newest event first', () => {
	beforeAll(async () => {
		await reset();
		fake = await startFakeStripe({ events: shuffled(history, 5), apiKey: KEY });
		const result = await syncEvents(stripeClient(readConfig(), fake.endpoint), { pageSize: 7 });
		expect(result.rejected).toEqual([]);
	});
	describeMrrCases('sync', { exactness: false });
});
