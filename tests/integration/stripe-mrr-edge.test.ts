import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { applyEvents } from '../../ingest/stripe/apply.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { event, invoice, price, subscription, t } from '../fixtures/stripe/builders.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// MRR normalization beyond the main scenario: quantity, weekly prices, prices
// without a unit amount (tiered / metered) and trials.
const { open } = useTempWarehouse('loopmeter-stripe-mrr-');
const nov1 = t('2026-11-01T00:00:00Z');
const dec1 = t('2026-12-01T00:00:00Z');
const nov8 = t('2026-11-08T00:00:00Z');

beforeAll(async () => {
	await open();
	const seats = price({ id: 'price_seat', product: 'prod_team', unit_amount: 2000, interval: 'month' });
	const weekly = price({ id: 'price_week', product: 'prod_week', unit_amount: 500, interval: 'week' });
	const tiered = { ...price({ id: 'price_tier', product: 'prod_tier', unit_amount: 0, interval: 'month' }), unit_amount: null, unit_amount_decimal: null, billing_scheme: 'tiered' };
	const trial = price({ id: 'price_trial', product: 'prod_pro', unit_amount: 20000, interval: 'month' });
	const sub = (id: string, customer: string, p: Record<string, unknown>, quantity = 1, status = 'active', end = dec1) =>
		subscription({ id, customer, price: p, quantity, status, created: nov1, current_period_start: nov1, current_period_end: end });
	const inv = (id: string, customer: string, subId: string, priceId: string, amount: number, quantity = 1, end = dec1) =>
		invoice({ id, customer, subscription: subId, created: nov1, status: 'paid', lines: [{ id: `il_${id}`, amount, quantity, price: priceId, product: 'p', start: nov1, end }] });
	const events = [
		event('price.created', nov1 - 10, seats), event('price.created', nov1 - 10, weekly), event('price.created', nov1 - 10, tiered), event('price.created', nov1 - 10, trial),
		event('customer.subscription.created', nov1, sub('sub_team', 'cus_team', seats, 3)),
		event('invoice.paid', nov1, inv('in_team', 'cus_team', 'sub_team', 'price_seat', 6000, 3)),
		event('customer.subscription.created', nov1, sub('sub_week', 'cus_week', weekly, 1, 'active', nov8)),
		event('invoice.paid', nov1, inv('in_week', 'cus_week', 'sub_week', 'price_week', 500, 1, nov8)),
		event('customer.subscription.created', nov1, sub('sub_tier', 'cus_tier', tiered)),
		event('invoice.paid', nov1, inv('in_tier', 'cus_tier', 'sub_tier', 'price_tier', 4500)),
		event('customer.subscription.created', nov1, sub('sub_trial', 'cus_trial', trial, 1, 'trialing')),
		event('invoice.paid', nov1, inv('in_trial', 'cus_trial', 'sub_trial', 'price_trial', 0))
	];
	const outcomes = await applyEvents(events.map((e) => ({ event: e })), { via: 'file', runId: 'test', file: 'test' });
	expect(outcomes.every((o) => o.kind === 'applied')).toBe(true);
});

describe('MRR normalization', () => {
	it('multiplies by quantity, turns weeks into months, uses the net of unit-less prices, and counts trials as 0', async () => {
		// On Nov 3: team 3 × $20 = 60; weekly $5 × 52 / 12 = 21.666666666 (9 decimals, truncated); tiered: the line's $45; trial: 0.
		const { response } = await runMetric({ metric: 'mrr', from: '2026-11-03', to: '2026-11-04', grain: 'total' });
		expect(response.rows[0]!.value).toBeCloseTo(60 + 21.666666666 + 45, 9);
		const trial = await query<{ n: string }>("SELECT toString(count()) AS n FROM user_plan_intervals WHERE user_id = 'stripe:cus_trial'", { tag: 'test' });
		expect(trial[0]!.n).toBe('0');
	});
});
