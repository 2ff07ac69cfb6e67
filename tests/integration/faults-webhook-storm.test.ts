import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { event, price, subscription, t } from '../fixtures/stripe/builders.js';

const { open } = useTempWarehouse('loopmeter-storm-');
const WHSEC = 'whsec_stormTestSecret0123456789';
process.env.STRIPE_WEBHOOK_SECRET = WHSEC;
process.env.STRIPE_SECRET_KEY = 'sk_test_stormSecretKey0123456789';

import { query } from '../../src/lib/server/warehouse/index.js';
import { POST } from '../../src/routes/api/v1/stripe/webhook/+server.js';

/**
 * A webhook storm: 50 subscriptions × 10 state changes = 500 events, each
 * delivered twice (1 000 deliveries), shuffled and sent 25 at a time through
 * the real route. Whatever the order, every subscription must end in the state
 * of its latest event, and a second storm of the same events must change nothing.
 */
const plus = price({ id: 'price_storm', product: 'prod_storm', unit_amount: 2000, interval: 'month' });
const SUBS = 50;
const STEPS = 10;

interface Final {
	status: string;
	quantity: number;
}

function storm(): { events: Record<string, unknown>[]; expected: Map<string, Final> } {
	const events: Record<string, unknown>[] = [];
	const expected = new Map<string, Final>();
	for (let s = 0; s < SUBS; s++) {
		const id = `sub_storm${String(s).padStart(3, '0')}`;
		const start = t('2026-11-01T00:00:00Z') + s * 60;
		for (let k = 0; k < STEPS; k++) {
			const last = k === STEPS - 1;
			// Every third subscription is cancelled at its last step; the others end at quantity 1 + (s + k) % 4.
			const cancelled = last && s % 3 === 0;
			const quantity = 1 + ((s + k) % 4);
			const status = cancelled ? 'canceled' : 'active';
			const at = start + k * 3600;
			const obj = subscription({
				id,
				customer: `cus_storm${s}`,
				price: plus,
				status,
				quantity,
				created: start,
				current_period_start: t('2026-11-01T00:00:00Z'),
				current_period_end: t('2026-12-01T00:00:00Z'),
				...(cancelled ? { canceled_at: at, ended_at: at } : {})
			});
			const type = k === 0 ? 'customer.subscription.created' : cancelled ? 'customer.subscription.deleted' : 'customer.subscription.updated';
			events.push(event(type, at, obj, `evt_storm_${s}_${k}`));
			if (last) expected.set(id, { status, quantity });
		}
	}
	return { events, expected };
}

/** Deterministic shuffle (mulberry32) so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
	const out = [...items];
	let a = seed;
	const rand = () => {
		a = (a + 0x6d2b79f5) | 0;
		let x = Math.imul(a ^ (a >>> 15), 1 | a);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(rand() * (i + 1));
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}

async function deliver(ev: Record<string, unknown>): Promise<number> {
	const payload = JSON.stringify(ev);
	const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC });
	const request = new Request('http://localhost/api/v1/stripe/webhook', { method: 'POST', body: payload, headers: { 'stripe-signature': header, 'content-type': 'application/json' } });
	const res = await POST({ request, getClientAddress: () => '127.0.0.1' } as never);
	await res.arrayBuffer();
	return res.status;
}

async function sendAll(deliveries: Record<string, unknown>[]): Promise<number[]> {
	const statuses: number[] = [];
	for (let i = 0; i < deliveries.length; i += 25) statuses.push(...(await Promise.all(deliveries.slice(i, i + 25).map(deliver))));
	return statuses;
}

async function state(): Promise<Map<string, Final>> {
	const rows = await query<{ id: string; status: string; quantity: number }>(
		"SELECT subscription_id AS id, status, quantities[1] AS quantity FROM stripe_subscriptions FINAL WHERE startsWith(subscription_id, 'sub_storm') ORDER BY id",
		{ tag: 'test' }
	);
	return new Map(rows.map((r) => [r.id, { status: r.status, quantity: Number(r.quantity) }]));
}

beforeAll(async () => {
	await open();
});

describe('webhook storm', () => {
	it('1 000 shuffled deliveries with duplicates converge to each subscription’s latest state; a replay changes nothing', { timeout: 900_000 }, async () => {
		const { events, expected } = storm();
		expect(events).toHaveLength(SUBS * STEPS);
		const statuses = await sendAll(shuffled([...events, ...events], 42));
		expect(statuses).toHaveLength(1000);
		expect(statuses.filter((s) => s < 200 || s >= 300)).toEqual([]);
		expect(await state()).toEqual(expected);

		const [stored] = await query<{ n: string }>("SELECT toString(uniqExact(event_id)) AS n FROM stripe_events WHERE startsWith(event_id, 'evt_storm_')", { tag: 'test' });
		expect(stored?.n).toBe(String(SUBS * STEPS));

		await sendAll(shuffled(events, 7));
		expect(await state()).toEqual(expected);
	});
});
