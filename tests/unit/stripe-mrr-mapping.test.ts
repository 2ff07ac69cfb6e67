import { describe, expect, it } from 'vitest';
import { planMapping } from '../../ingest/stripe/plans.js';
import { objectRows } from '../../ingest/stripe/rows.js';
import { coupon, discount, price, subscription, t } from '../fixtures/stripe/builders.js';

// The subscription history rows behind subscription-based MRR (migrations 0060, 0061).
const plans = planMapping({ STRIPE_PLAN_METADATA_KEY: 'plan' });
const nov1 = t('2026-11-01T00:00:00Z');
const at = t('2026-11-08T12:00:00Z');
const ctx = { version: at * 0x10000 + 7, via: 'test', deleted: false, plans };
const plus = price({ id: 'price_plus', product: 'prod_plus', unit_amount: 2000, interval: 'month' });

function rowsOf(type: Parameters<typeof objectRows>[0], obj: unknown) {
	const r = objectRows(type, obj, ctx);
	if (!r.ok) throw new Error(`${r.field}: ${r.reason}`);
	return r.rows;
}

describe('subscription versions, discounts and coupons', () => {
	it('keeps the state with the second its version took effect: trial, pause, cancellation, schedule, discounts by id', () => {
		const sub = subscription({
			id: 'sub_1', customer: 'cus_1', price: plus, quantity: 3, status: 'active', created: nov1, current_period_start: nov1, current_period_end: nov1 + 30 * 86400,
			trial_end: nov1 + 86400, paused: true, cancel_at_period_end: true, cancel_at: nov1 + 30 * 86400, canceled_at: at, schedule: 'sub_sched_1', discounts: ['di_a', 'di_a', 'di_b']
		});
		expect(rowsOf('subscription', sub).stripe_subscription_versions).toEqual([
			expect.objectContaining({
				subscription_id: 'sub_1', customer_id: 'cus_1', status: 'active', effective_at: '2026-11-08 12:00:00.000', start_date: '2026-11-01 00:00:00.000',
				trial_end: '2026-11-02 00:00:00.000', cancel_at: '2026-12-01 00:00:00.000', cancel_at_period_end: true, canceled_at: '2026-11-08 12:00:00.000',
				ended_at: null, paused: true, schedule_id: 'sub_sched_1', price_ids: ['price_plus'], quantities: [3], discount_ids: ['di_a', 'di_b'], version: ctx.version
			})
		]);
	});

	it('stores an expanded discount and its coupon, from the current shape (source.coupon) and the older one (coupon)', () => {
		const forever = coupon({ id: 'HALF', duration: 'forever', percent_off: 50 });
		const current = discount({ id: 'di_new', coupon: forever, customer: 'cus_1', subscription: 'sub_1', start: at });
		const older = { ...discount({ id: 'di_old', coupon: 'x', customer: 'cus_1', subscription: 'x', start: at, end: at + 86400 }), subscription: null, source: null, coupon: coupon({ id: 'FIVE', duration: 'repeating', amount_off: 500, duration_in_months: 2 }) };
		const rows = rowsOf('subscription', subscription({ id: 'sub_1', customer: 'cus_1', price: plus, status: 'active', created: nov1, current_period_start: nov1, current_period_end: nov1 + 86400, discounts: [current, older] }));
		expect(rows.stripe_discounts).toEqual([
			expect.objectContaining({ discount_id: 'di_new', subscription_id: 'sub_1', coupon_id: 'HALF', starts_at: '2026-11-08 12:00:00.000', ends_at: null }),
			// A discount that does not name its subscription belongs to the one it came in.
			expect.objectContaining({ discount_id: 'di_old', subscription_id: 'sub_1', coupon_id: 'FIVE', ends_at: '2026-11-09 12:00:00.000' })
		]);
		expect(rows.stripe_coupons).toEqual([
			expect.objectContaining({ coupon_id: 'HALF', duration: 'forever', percent_off: 50, amount_off: 0 }),
			expect.objectContaining({ coupon_id: 'FIVE', duration: 'repeating', duration_in_months: 2, percent_off: 0, amount_off: 500, currency: 'usd' })
		]);
	});

	it('keeps an amount-off coupon in another currency: it applies to subscriptions billed in that currency', () => {
		const eur = { ...coupon({ id: 'EUR5', duration: 'forever', amount_off: 500 }), currency: 'eur' };
		expect(objectRows('coupon', eur, ctx)).toMatchObject({ ok: true, rows: { stripe_coupons: [{ coupon_id: 'EUR5', amount_off: 500, currency: 'eur' }] } });
	});

});
