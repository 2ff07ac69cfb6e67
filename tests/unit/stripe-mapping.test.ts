import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../ingest/stripe/client.js';
import { planFromLookupKey, planMapping } from '../../ingest/stripe/plans.js';
import { objectRows, type Row } from '../../ingest/stripe/rows.js';
import { stateVersion } from '../../ingest/stripe/version.js';
import { waterfallSteps } from '../../src/routes/revenue/waterfall.js';
import { creditNote, invoice, refund, subscription, price, t } from '../fixtures/stripe/builders.js';

const plans = planMapping({ STRIPE_PLAN_METADATA_KEY: 'plan', STRIPE_PLAN_LOOKUP_KEYS: 'legacy_gold=pro' });
const ctx = { version: 1, via: 'test', deleted: false, plans };
const oct1 = t('2026-10-01T00:00:00Z');
const nov1 = t('2026-11-01T00:00:00Z');

function rowsOf(type: Parameters<typeof objectRows>[0], obj: unknown) {
	const r = objectRows(type, obj, ctx);
	if (!r.ok) throw new Error(r.reason);
	return r.rows;
}

describe('Stripe object → typed rows', () => {
	it('reads the current invoice line shape: price, subscription and proration from parent/pricing, inclusive tax out', () => {
		const inv = invoice({
			id: 'in_1', customer: 'cus_1', subscription: 'sub_1', created: oct1, status: 'paid',
			lines: [{ id: 'il_1', amount: 2400, inclusiveTax: 400, discount: 300, price: 'price_p', product: 'prod_p', start: oct1, end: nov1, proration: true }]
		});
		const line = rowsOf('invoice', inv).stripe_invoice_lines![0]!;
		expect(line).toMatchObject({ subscription_id: 'sub_1', price_id: 'price_p', amount: 2400, discount: 300, inclusive_tax: 400, proration: true, period_start: '2026-10-01 00:00:00.000' });
	});

	it('reads the older shape too (line.price, line.subscription, tax_amounts)', () => {
		const inv = invoice({ id: 'in_2', customer: 'cus_1', subscription: 'sub_9', created: oct1, status: 'paid', lines: [{ id: 'il_2', amount: 1000, price: 'x', product: 'y', start: oct1, end: nov1 }] });
		const l = (inv.lines as { data: Record<string, unknown>[] }).data[0]!;
		delete l.parent;
		delete l.pricing;
		Object.assign(l, { price: { id: 'price_old' }, subscription: 'sub_old', proration: false, tax_amounts: [{ amount: 90, inclusive: true }, { amount: 50, inclusive: false }] });
		delete (inv as Record<string, unknown>).parent;
		const line = rowsOf('invoice', inv).stripe_invoice_lines![0]!;
		expect(line).toMatchObject({ subscription_id: 'sub_old', price_id: 'price_old', inclusive_tax: 90 });
	});

	it('names the missing field', () => {
		const inv = invoice({ id: 'in_3', customer: 'cus_1', subscription: 'sub_1', created: oct1, status: 'paid', lines: [{ id: 'il_3', amount: 1, price: 'p', product: 'q', start: oct1, end: nov1 }] });
		delete ((inv.lines as { data: Record<string, unknown>[] }).data[0]! as Record<string, unknown>).period;
		const r = objectRows('invoice', inv, ctx);
		expect(r).toMatchObject({ ok: false, field: 'lines.data.0.period' });
	});

	it('keeps an invoice in another currency with its original amounts and tax, refuses a line in a second currency, and invoices whose lines need another page without an API key', () => {
		const eur = invoice({ id: 'in_4', customer: 'c', subscription: 's', created: oct1, status: 'paid', currency: 'eur', tax: 190, lines: [{ id: 'il_4', amount: 1000, price: 'p', product: 'q', start: oct1, end: nov1 }] });
		const kept = objectRows('invoice', eur, ctx);
		expect(kept).toMatchObject({ ok: true, rows: { stripe_invoices: [{ currency: 'eur', total: 1190, amount_due: 1190, amount_paid: 1190, tax: 190 }], stripe_invoice_lines: [{ currency: 'eur', amount: 1000 }] } });
		const mixed = structuredClone(eur) as { lines: { data: { currency: string }[] } };
		mixed.lines.data[0]!.currency = 'gbp';
		expect(objectRows('invoice', mixed, ctx)).toMatchObject({ ok: false, field: 'lines.data.0.currency', reason: expect.stringContaining('"gbp" differs from the object\'s "eur"') });
		const long = invoice({ id: 'in_5', customer: 'c', subscription: 's', created: oct1, status: 'paid', lines: [] });
		(long.lines as { has_more: boolean }).has_more = true;
		expect(objectRows('invoice', long, ctx)).toMatchObject({ ok: false, field: 'lines.has_more' });
	});

	it('takes credit notes excluding tax and net of discounts, and links their refunds', () => {
		const cn = { ...creditNote({ id: 'cn_1', invoice: 'in_1', customer: 'cus_1', created: oct1, amount: 1190, refund: 're_1' }), total_excluding_tax: null, subtotal_excluding_tax: 1000, discount_amount: 100 };
		expect(rowsOf('credit_note', cn).stripe_credit_notes![0]).toMatchObject({ amount_ex_tax: 900, refund_ids: ['re_1'] });
	});

	it('finds a refund\'s customer on an expanded charge', () => {
		const r = { ...refund({ id: 're_2', charge: 'ch_1', created: oct1, amount: 500 }), charge: { id: 'ch_1', customer: 'cus_9' } };
		expect(rowsOf('refund', r).stripe_refunds![0]).toMatchObject({ charge_id: 'ch_1', customer_id: 'cus_9' });
	});

	it('keeps the prices embedded in subscription items', () => {
		const p = price({ id: 'price_gold', product: 'prod_g', unit_amount: 5000, interval: 'year', lookup_key: 'legacy_gold' });
		const rows = rowsOf('subscription', subscription({ id: 'sub_g', customer: 'cus_g', price: p, status: 'active', created: oct1, current_period_start: oct1, current_period_end: nov1 }));
		expect(rows.stripe_prices![0] as Row).toMatchObject({ price_id: 'price_gold', recurring_interval: 'year', lookup_key_plan: 'pro' });
		expect(rows.stripe_subscriptions![0]).toMatchObject({ status: 'active', price_ids: ['price_gold'], ended_at: null });
	});
});

describe('plans from lookup keys', () => {
	it('uses the configured mapping, else the first word', () => {
		expect(planFromLookupKey('legacy_gold', plans)).toBe('pro');
		expect(planFromLookupKey('plus_yearly', plans)).toBe('plus');
		expect(planFromLookupKey('', plans)).toBe('');
	});
});

describe('state versions', () => {
	it('orders by when the state was true, then terminal states, whatever the payload', () => {
		const active = { object: 'subscription', status: 'active', id: 's' };
		const canceled = { object: 'subscription', status: 'canceled', id: 's' };
		expect(stateVersion(101, active)).toBeGreaterThan(stateVersion(100, canceled));
		expect(stateVersion(100, canceled)).toBeGreaterThan(stateVersion(100, active));
		expect(stateVersion(100, active)).toBe(stateVersion(100, { ...active }));
	});
});

describe('secrets in messages', () => {
	it('are replaced, configured or merely key-shaped', () => {
		const msg = redactSecrets('bad key sk_test_abc123 and whsec_zzz9 and mine-secret', { STRIPE_SECRET_KEY: 'mine-secret', STRIPE_WEBHOOK_SECRET: undefined });
		expect(msg).toBe('bad key sk_test_[redacted] and whsec_[redacted] and [redacted]');
	});
});

describe('MRR bridge', () => {
	it('chains months: each closing bar is where the next month starts, and movements float between', () => {
		const rows = [
			{ period: '2026-10-01', movement: 'new', value: 251, opening_mrr: 0, closing_mrr: 231 },
			{ period: '2026-10-01', movement: 'expansion', value: 180, opening_mrr: 0, closing_mrr: 231 },
			{ period: '2026-10-01', movement: 'churn', value: -200, opening_mrr: 0, closing_mrr: 231 },
			{ period: '2026-11-01', movement: 'churn', value: -15, opening_mrr: 231, closing_mrr: 236 },
			{ period: '2026-11-01', movement: 'reactivation', value: 20, opening_mrr: 231, closing_mrr: 236 }
		];
		const steps = waterfallSteps(rows);
		expect(steps.map((s) => [s.kind, s.base, s.size])).toEqual([
			['level', 0, 0],
			['up', 0, 251],
			['up', 251, 180],
			['down', 231, 200],
			['level', 0, 231],
			['up', 231, 20],
			['down', 236, 15],
			['level', 0, 236]
		]);
	});
});
