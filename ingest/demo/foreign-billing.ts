import { addInterval } from './billing.js';
import type { Random } from './random.js';
import type { Story } from './scenario.js';

/**
 * The demo's subscriptions billed in euros and pounds (a few business
 * customers, not linked to an app user), as Stripe event objects, and the
 * daily fx_rates that turn them into USD. They make currencies and revenue
 * reconciliation visible: one EUR customer pays 19 % VAT on top (tax), the GBP
 * invoices are paid three days after they are issued (collection timing across
 * month ends), one EUR customer leaves, one GBP invoice is partly refunded.
 */

const DAY_S = 86_400;
const API_VERSION = '2025-09-30.clover';

/** Monthly prices in minor units (cents, pence). */
const FOREIGN_PRICES = [
	{ currency: 'eur', plan: 'plus', amount: 1900 },
	{ currency: 'eur', plan: 'pro', amount: 17900 },
	{ currency: 'gbp', plan: 'plus', amount: 1600 },
	{ currency: 'gbp', plan: 'pro', amount: 15900 }
] as const;

/** Who subscribes, when (days after the story starts), and what happens to them. */
const FOREIGN_CUSTOMERS = [
	{ currency: 'eur', plan: 'pro', startDay: 12, taxRate: 0.19 },
	{ currency: 'eur', plan: 'plus', startDay: 25, cancelDay: 120 },
	{ currency: 'eur', plan: 'plus', startDay: 61 },
	// Billed on the 29th, paid on the 1st: collected in the month after it was invoiced.
	{ currency: 'gbp', plan: 'pro', startDay: 26, payDelayDays: 3, refundDay: 95 },
	{ currency: 'gbp', plan: 'plus', startDay: 77, payDelayDays: 3 }
] as const;

/** Days after the story ends that rates still cover, so any page period up to a year later has them. */
const RATES_AFTER_END_DAYS = 365;

export interface FxRateRow {
	date: string;
	currency: string;
	usd_per_unit: string;
}

/** Daily USD per EUR and GBP: a slow swing plus a little daily noise, over the story and a year beyond. */
export function fxRateRows(story: Story, rng: Random): FxRateRow[] {
	const rows: FxRateRow[] = [];
	const days = Math.round((story.endMs - story.startMs) / 1000 / DAY_S) + RATES_AFTER_END_DAYS;
	for (let d = 0; d < days; d++) {
		const date = new Date(story.startMs + d * DAY_S * 1000).toISOString().slice(0, 10);
		const eur = 1.08 + 0.035 * Math.sin((2 * Math.PI * d) / 150) + 0.004 * (rng.next() - 0.5);
		const gbp = 1.27 + 0.03 * Math.sin((2 * Math.PI * d) / 110 + 1) + 0.004 * (rng.next() - 0.5);
		rows.push({ date, currency: 'EUR', usd_per_unit: eur.toFixed(4) }, { date, currency: 'GBP', usd_per_unit: gbp.toFixed(4) });
	}
	return rows;
}

/** Stripe events of the foreign-currency customers, in time order. */
export function foreignBillingEvents(story: Story, rng: Random): object[] {
	const events: { created: number; event: object }[] = [];
	const emit = (type: string, created: number, object: object) =>
		events.push({
			created,
			event: {
				id: `evt_${rng.token(24)}`, object: 'event', api_version: API_VERSION, created, type, livemode: false, pending_webhooks: 0,
				request: { id: null, idempotency_key: null }, data: { object }
			}
		});
	const startS = Math.floor(story.startMs / 1000);
	const endS = Math.floor(story.endMs / 1000);
	const catalogS = startS - 30 * DAY_S;

	const products = Object.fromEntries(
		(['plus', 'pro'] as const).map((plan) => {
			const id = `prod_${rng.token(14)}`;
			emit('product.created', catalogS, { id, object: 'product', active: true, created: catalogS, livemode: false, name: plan === 'plus' ? 'Plus' : 'Pro', metadata: { plan }, type: 'service' });
			return [plan, id];
		})
	) as Record<'plus' | 'pro', string>;
	const prices = FOREIGN_PRICES.map((p) => {
		const price = {
			id: `price_${rng.token(24)}`, object: 'price', product: products[p.plan], active: true, currency: p.currency, unit_amount: p.amount,
			unit_amount_decimal: String(p.amount), recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, lookup_key: null,
			type: 'recurring', billing_scheme: 'per_unit', created: catalogS + 1, livemode: false, metadata: { plan: p.plan }, nickname: null, tax_behavior: 'exclusive'
		};
		emit('price.created', catalogS + 1, price);
		return { ...p, price };
	});

	for (const c of FOREIGN_CUSTOMERS) {
		const { price } = prices.find((p) => p.currency === c.currency && p.plan === c.plan)!;
		const created = startS + c.startDay * DAY_S + 9 * 3600;
		const customer = `cus_${rng.token(14)}`;
		const subId = `sub_${rng.token(24)}`;
		const itemId = `si_${rng.token(14)}`;
		const cancelS = 'cancelDay' in c ? startS + c.cancelDay * DAY_S + 15 * 3600 : undefined;
		emit('customer.created', created, { id: customer, object: 'customer', created, email: `billing-${customer.slice(4, 10)}@example.com`, currency: c.currency, livemode: false, metadata: {} });
		const subscription = (status: string, periodStart: number, periodEnd: number, ended?: number) => ({
			id: subId, object: 'subscription', customer, status, currency: c.currency, created, start_date: created, billing_cycle_anchor: created,
			cancel_at_period_end: false, cancel_at: null, canceled_at: ended ?? null, ended_at: ended ?? null, trial_start: null, trial_end: null,
			pause_collection: null, collection_method: 'charge_automatically', discounts: [],
			items: { object: 'list', has_more: false, data: [{ id: itemId, object: 'subscription_item', price, quantity: 1, subscription: subId, current_period_start: periodStart, current_period_end: periodEnd, created }] },
			livemode: false, metadata: {}
		});
		emit('customer.subscription.created', created, subscription('active', created, addInterval(created, 'month')));
		let refundDue = 'refundDay' in c ? startS + c.refundDay * DAY_S : undefined;
		for (let start = created; start < endS && (cancelS === undefined || start < cancelS); start = addInterval(start, 'month')) {
			const end = addInterval(start, 'month');
			const invoiceId = `in_${rng.token(24)}`;
			const tax = 'taxRate' in c ? Math.round(price.unit_amount * c.taxRate) : 0;
			const total = price.unit_amount + tax;
			const paidAt = start + ('payDelayDays' in c ? c.payDelayDays * DAY_S : 0);
			const chargeId = `ch_${rng.token(24)}`;
			emit('invoice.paid', paidAt, {
				id: invoiceId, object: 'invoice', customer, status: 'paid', billing_reason: start === created ? 'subscription_create' : 'subscription_cycle',
				collection_method: 'charge_automatically', currency: c.currency, created: start, period_start: start, period_end: end,
				subtotal: price.unit_amount, subtotal_excluding_tax: price.unit_amount, total, total_excluding_tax: price.unit_amount,
				amount_due: total, amount_paid: total, amount_remaining: 0,
				parent: { type: 'subscription_details', subscription_details: { subscription: subId, metadata: {} } },
				status_transitions: { finalized_at: start, paid_at: paidAt, marked_uncollectible_at: null, voided_at: null },
				lines: {
					object: 'list', has_more: false, url: `/v1/invoices/${invoiceId}/lines`,
					data: [{
						id: `il_${rng.token(24)}`, object: 'line_item', invoice: invoiceId, amount: price.unit_amount, currency: c.currency,
						description: `1 × ${c.plan === 'plus' ? 'Plus' : 'Pro'}`, discount_amounts: [], discountable: true, discounts: [], livemode: false, metadata: {},
						period: { start, end }, quantity: 1, taxes: tax ? [{ amount: tax, tax_behavior: 'exclusive', taxability_reason: 'standard_rated', taxable_amount: price.unit_amount, type: 'tax_rate_details', tax_rate_details: null }] : [],
						pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.unit_amount) },
						parent: { type: 'subscription_item_details', subscription_item_details: { subscription: subId, subscription_item: itemId, proration: false, invoice_item: null } }
					}]
				},
				livemode: false, metadata: {}
			});
			emit('charge.succeeded', paidAt, { id: chargeId, object: 'charge', customer, amount: total, currency: c.currency, created: paidAt, status: 'succeeded', livemode: false, metadata: {}, refunds: null });
			if (refundDue !== undefined && refundDue >= start && refundDue < end) {
				// A goodwill refund of a quarter of the month, in the customer's currency.
				const at = Math.max(refundDue, paidAt + 3600);
				emit('refund.created', at, { id: `re_${rng.token(24)}`, object: 'refund', amount: Math.round(total / 4), charge: chargeId, currency: c.currency, created: at, status: 'succeeded', customer, metadata: {} });
				refundDue = undefined;
			}
		}
		if (cancelS !== undefined) emit('customer.subscription.deleted', cancelS, subscription('canceled', cancelS, cancelS, cancelS));
	}
	return events.sort((a, b) => a.created - b.created).map((e) => e.event);
}
