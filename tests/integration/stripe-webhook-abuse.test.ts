import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleStripeWebhook } from '../../ingest/stripe/webhook.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { event, price, subscription, t } from '../fixtures/stripe/builders.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-stripe-abuse-');
const WHSEC = 'whsec_abuseTestSecret0123456789';
process.env.STRIPE_WEBHOOK_SECRET = WHSEC;

beforeAll(async () => {
	await open();
});

const plus = price({ id: 'price_a_plus', product: 'prod_a', unit_amount: 2000, interval: 'month' });
const sub = subscription({ id: 'sub_A', customer: 'cus_A', price: plus, status: 'active', created: t('2026-11-01T00:00:00Z'), current_period_start: t('2026-11-01T00:00:00Z'), current_period_end: t('2026-12-01T00:00:00Z') });

function signed(ev: Record<string, unknown>, secret = WHSEC) {
	const payload = JSON.stringify(ev);
	return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
}

describe('Stripe webhook under abuse', () => {
	it('5 concurrent deliveries of one event id: exactly one is applied, the others are duplicates', async () => {
		const created = event('customer.subscription.created', t('2026-11-01T00:00:00Z'), sub, 'evt_race_1');
		const { payload, header } = signed(created);
		const results = await Promise.all(Array.from({ length: 5 }, () => handleStripeWebhook(payload, header, { remote: '198.51.100.1' })));
		expect(results.map((r) => r.body.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
		const ledger = await query<{ n: string }>("SELECT toString(count()) AS n FROM stripe_events WHERE event_id = 'evt_race_1'", { tag: 'test' });
		expect(ledger).toEqual([{ n: '1' }]);
	});

	it('200 unsigned deliveries with sender-chosen ids from one address write a bounded number of attempt rows', async () => {
		const count = async () => Number((await query<{ n: string }>('SELECT toString(count()) AS n FROM stripe_webhook_attempts', { tag: 'test' }))[0]!.n);
		const before = await count();
		for (let i = 0; i < 200; i++) {
			const forged = signed(event('customer.subscription.deleted', t('2026-11-02T00:00:00Z'), sub, `evt_forged_${i}`), 'whsec_attackerGuess');
			expect((await handleStripeWebhook(forged.payload, forged.header, { remote: '203.0.113.50' })).status).toBe(400);
		}
		// Many addresses at once still meet the global cap.
		for (let i = 0; i < 200; i++) {
			const forged = signed(event('customer.subscription.deleted', t('2026-11-02T00:00:00Z'), sub, `evt_spread_${i}`), 'whsec_attackerGuess');
			await handleStripeWebhook(forged.payload, forged.header, { remote: `203.0.${Math.floor(i / 250)}.${i % 250}` });
		}
		const written = (await count()) - before;
		expect(written).toBeGreaterThan(0);
		expect(written).toBeLessThanOrEqual(60);
	});
});
