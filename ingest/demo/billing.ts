import type { Random } from './random.js';
import { COUPON, LOYALTY_COUPON, PRICES, type Plan, type PriceKey } from './scenario.js';

/**
 * Subscription billing of the story, emitted as Stripe event objects (the
 * shapes of Stripe's API: customer, product with metadata.plan, price with
 * lookup_key, customer.subscription.*, invoice.paid with lines carrying
 * period/amount/discount_amounts/proration, credit_note.created,
 * charge.refunded, customer.discount.created). Amounts in cents, times in Unix seconds.
 */

const API_VERSION = '2025-09-30.clover';
const DAY_S = 86_400;

type Price = { id: string; product: string; key: PriceKey; plan: Plan; amount: number; interval: 'month' | 'year'; created: number };

interface Sub {
	id: string;
	itemId: string;
	customer: string;
	userId: string;
	price: Price;
	created: number;
	periodStart: number;
	periodEnd: number;
	/** Invoices that still get the coupon. */
	discountedInvoicesLeft: number;
	discountId: string;
	/** Decided at the last renewal: leave at the end of this period. */
	cancelAtPeriodEnd: boolean;
	downgradeAtPeriodEnd: boolean;
	ended: boolean;
	/** Trialing until periodEnd, then billed from there. */
	trialing?: boolean;
	/** Collection paused: renewals bill nothing. */
	paused?: boolean;
	/** A forever coupon (LOYALTY_COUPON) on every invoice from now on. */
	foreverDiscountId?: string;
}

export interface BillingHooks {
	/** Called whenever a user's plan changes (at the event's time). */
	onPlanChange(userId: string, plan: Plan, atSeconds: number): void;
}

export class Billing {
	private events: { created: number; seq: number; event: object }[] = [];
	private seq = 0;
	private prices: Record<PriceKey, Price>;
	private loyaltyCouponCreated = false;
	private subs: Sub[] = [];
	private current = new Map<string, Sub>();
	private customers = new Map<string, string>();
	refunds = 0;
	creditNotes = 0;

	constructor(
		private rng: Random,
		private readonly hooks: BillingHooks,
		catalogCreatedS: number
	) {
		const products: Partial<Record<Plan, string>> = {};
		for (const plan of ['plus', 'pro'] as const) {
			const id = `prod_${rng.token(14)}`;
			products[plan] = id;
			this.emit('product.created', catalogCreatedS, {
				id, object: 'product', active: true, created: catalogCreatedS, livemode: false,
				name: plan === 'plus' ? 'Plus' : 'Pro', description: plan === 'plus' ? 'More generations, 1080p' : 'Unlimited priority generations with the pro model',
				metadata: { plan }, type: 'service'
			});
		}
		this.prices = {} as Record<PriceKey, Price>;
		for (const p of PRICES) {
			const price: Price = { id: `price_${rng.token(24)}`, product: products[p.plan]!, key: p.lookup_key, plan: p.plan, amount: p.unit_amount, interval: p.interval, created: catalogCreatedS + 1 };
			this.prices[p.lookup_key] = price;
			this.emit('price.created', price.created, priceObject(price));
		}
		this.emit('coupon.created', catalogCreatedS + 2, {
			id: COUPON.id, object: 'coupon', name: COUPON.name, percent_off: COUPON.percent_off, amount_off: null, currency: null,
			duration: 'repeating', duration_in_months: COUPON.duration_in_months, created: catalogCreatedS + 2, livemode: false, valid: true, metadata: {}
		});
	}

	customerOf(userId: string): string {
		return this.customers.get(userId) ?? '';
	}

	/** A free user subscribes at `at` (seconds). */
	subscribe(userId: string, key: PriceKey, at: number, withCoupon: boolean): void {
		const customer = this.customerFor(userId, at);
		const price = this.prices[key];
		const sub: Sub = {
			id: `sub_${this.rng.token(24)}`, itemId: `si_${this.rng.token(14)}`, customer, userId, price, created: at,
			periodStart: at, periodEnd: addInterval(at, price.interval),
			discountedInvoicesLeft: withCoupon ? (price.interval === 'year' ? 1 : COUPON.duration_in_months) : 0,
			discountId: withCoupon ? `di_${this.rng.token(24)}` : '',
			cancelAtPeriodEnd: false, downgradeAtPeriodEnd: false, ended: false
		};
		this.subs.push(sub);
		this.current.set(userId, sub);
		// The discount's own event (its id derived from the discount's, so the random stream stays as it was).
		if (withCoupon) this.emitDiscount(sub, sub.discountId, COUPON.id, at, addMonths(at, COUPON.duration_in_months));
		this.emit('customer.subscription.created', at, this.subscriptionObject(sub, 'active'));
		this.invoice(sub, at + 30, 'subscription_create', [this.line(sub, sub.price, sub.periodStart, sub.periodEnd, sub.price.amount, false)]);
		this.hooks.onPlanChange(userId, price.plan, at);
	}

	/**
	 * Draw ids from another stream from now on: the billing beats run after the
	 * story's own billing and must not shift what it drew.
	 */
	useRandom(rng: Random): void {
		this.rng = rng;
	}

	/** A free user starts a trial of `days` days: $0 invoice now, billed from the trial's end (advanceTo). */
	subscribeWithTrial(userId: string, key: PriceKey, at: number, days: number): void {
		const customer = this.customerFor(userId, at);
		const price = this.prices[key];
		const sub: Sub = {
			id: `sub_${this.rng.token(24)}`, itemId: `si_${this.rng.token(14)}`, customer, userId, price, created: at,
			periodStart: at, periodEnd: at + days * DAY_S, discountedInvoicesLeft: 0, discountId: '',
			cancelAtPeriodEnd: false, downgradeAtPeriodEnd: false, ended: false, trialing: true
		};
		this.subs.push(sub);
		this.current.set(userId, sub);
		this.emit('customer.subscription.created', at, this.subscriptionObject(sub, 'trialing'));
		this.invoice(sub, at + 30, 'subscription_create', [this.line(sub, sub.price, sub.periodStart, sub.periodEnd, 0, false)]);
	}

	/** A plan change with proration_behavior=none: the subscription changes now, no invoice until the renewal. */
	changePlanWithoutProration(userId: string, key: PriceKey, at: number): boolean {
		const s = this.current.get(userId);
		if (!s || s.trialing || s.price.key === key) return false;
		const previous = { items: this.itemsObject(s) };
		s.price = this.prices[key];
		this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), previous);
		this.hooks.onPlanChange(userId, s.price.plan, at);
		return true;
	}

	/** LOYALTY_COUPON (forever) added mid-period: no invoice now, every later invoice discounted. */
	addForeverCoupon(userId: string, at: number): boolean {
		const s = this.current.get(userId);
		if (!s || s.foreverDiscountId) return false;
		if (!this.loyaltyCouponCreated) {
			this.loyaltyCouponCreated = true;
			this.emit('coupon.created', at, {
				id: LOYALTY_COUPON.id, object: 'coupon', name: LOYALTY_COUPON.name, percent_off: LOYALTY_COUPON.percent_off, amount_off: null, currency: null,
				duration: 'forever', duration_in_months: null, created: at, livemode: false, valid: true, metadata: {}
			});
		}
		const previous = { discounts: this.discountIds(s) };
		s.foreverDiscountId = `di_${this.rng.token(24)}`;
		this.emitDiscount(s, s.foreverDiscountId, LOYALTY_COUPON.id, at, null);
		this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), previous);
		return true;
	}

	/** pause_collection set (or cleared): no invoices while paused; the period keeps running. */
	setPaused(userId: string, paused: boolean, at: number): boolean {
		const s = this.current.get(userId);
		if (!s || s.trialing || Boolean(s.paused) === paused) return false;
		s.paused = paused;
		this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), { pause_collection: paused ? null : { behavior: 'void', resumes_at: null } });
		return true;
	}

	activeSubscription(userId: string): { plan: Plan; periodEnd: number; interval: 'month' | 'year' } | undefined {
		const s = this.current.get(userId);
		return s && { plan: s.price.plan, periodEnd: s.periodEnd, interval: s.price.interval };
	}

	/** Mid-cycle upgrade plus → pro with proration: credit the unused plus time, charge pro for the rest of the period. */
	upgrade(userId: string, at: number): boolean {
		const s = this.current.get(userId);
		if (!s || s.price.plan !== 'plus' || s.price.interval !== 'month' || at <= s.periodStart || at >= s.periodEnd - DAY_S) return false;
		const pro = this.prices.pro_monthly;
		const share = (s.periodEnd - at) / (s.periodEnd - s.periodStart);
		const previous = { items: this.itemsObject(s) };
		const lines = [
			{ ...this.line(s, s.price, at, s.periodEnd, -Math.round(s.price.amount * share), true), description: `Unused time on Plus after ${isoDay(at)}` },
			{ ...this.line(s, pro, at, s.periodEnd, Math.round(pro.amount * share), true), description: `Remaining time on Pro after ${isoDay(at)}` }
		];
		s.price = pro;
		s.downgradeAtPeriodEnd = false;
		this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), previous);
		this.invoice(s, at + 20, 'subscription_update', lines, false);
		this.hooks.onPlanChange(userId, 'pro', at);
		return true;
	}

	/** Ask for a downgrade pro → plus at the end of the current period (no proration). */
	scheduleDowngrade(userId: string): void {
		const s = this.current.get(userId);
		if (s?.price.plan === 'pro') s.downgradeAtPeriodEnd = true;
	}

	/** The user cancels at `at`; the subscription ends at its period end. */
	cancel(userId: string, at: number): void {
		const s = this.current.get(userId);
		if (!s || s.cancelAtPeriodEnd) return;
		s.cancelAtPeriodEnd = true;
		this.emit('customer.subscription.updated', at, { ...this.subscriptionObject(s, 'active'), cancel_at_period_end: true, cancel_at: s.periodEnd, canceled_at: at }, { cancel_at_period_end: false });
	}

	/** Refund the latest invoice in full and end the subscription at once (an accidental purchase). */
	refundLatest(userId: string, at: number): boolean {
		const s = this.current.get(userId);
		const inv = s && this.lastInvoice.get(s.id);
		if (!s || !inv) return false;
		const refund = { id: `re_${this.rng.token(24)}`, object: 'refund', amount: inv.amount, charge: inv.charge, currency: 'usd', created: at, status: 'succeeded', reason: 'requested_by_customer', payment_intent: inv.paymentIntent, metadata: {} };
		this.emit('charge.refunded', at, {
			id: inv.charge, object: 'charge', amount: inv.amount, amount_captured: inv.amount, amount_refunded: inv.amount, refunded: true, captured: true, paid: true,
			currency: 'usd', customer: s.customer, invoice: inv.id, payment_intent: inv.paymentIntent, created: inv.created, status: 'succeeded', livemode: false, metadata: {},
			refunds: { object: 'list', data: [refund], has_more: false }
		});
		this.end(s, at);
		this.refunds++;
		return true;
	}

	/** A service credit on the latest invoice (e.g. after an outage), no cancellation. */
	creditLatest(userId: string, at: number, amount: number): boolean {
		const s = this.current.get(userId);
		const inv = s && this.lastInvoice.get(s.id);
		if (!s || !inv || inv.amount < amount) return false;
		this.emit('credit_note.created', at, {
			id: `cn_${this.rng.token(24)}`, object: 'credit_note', invoice: inv.id, customer: s.customer, currency: 'usd', created: at, effective_at: at,
			status: 'issued', type: 'post_payment', reason: 'product_unsatisfactory', memo: 'Service credit: generation outage',
			amount, subtotal: amount, subtotal_excluding_tax: amount, total: amount, total_excluding_tax: amount, discount_amount: 0, discount_amounts: [],
			lines: { object: 'list', has_more: false, data: [{ id: `cnli_${this.rng.token(24)}`, object: 'credit_note_line_item', type: 'invoice_line_item', invoice_line_item: inv.lineId, amount, quantity: 1, description: 'Service credit' }] },
			refunds: [], livemode: false, metadata: {}
		});
		this.creditNotes++;
		return true;
	}

	/**
	 * Bill every period that starts before `until` (seconds): renewals, scheduled
	 * downgrades and cancellations. `churn(sub)` decides at each renewal whether
	 * the user will cancel during the new period.
	 */
	advanceTo(until: number, decide: (userId: string, plan: Plan, interval: 'month' | 'year', at: number) => 'stay' | 'cancel' | 'downgrade'): void {
		for (;;) {
			let next: Sub | undefined;
			for (const s of this.current.values()) if (s.periodEnd < until && (!next || s.periodEnd < next.periodEnd)) next = s;
			if (!next) return;
			const s = next;
			const at = s.periodEnd;
			if (s.cancelAtPeriodEnd) {
				this.end(s, at);
				continue;
			}
			const previous = { items: this.itemsObject(s), current_period_start: s.periodStart, current_period_end: s.periodEnd };
			if (s.trialing) {
				// The trial converts: active from its end, first real invoice now.
				s.trialing = false;
				s.periodStart = at;
				s.periodEnd = addInterval(at, s.price.interval);
				this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), { ...previous, status: 'trialing' });
				this.invoice(s, at + 3600, 'subscription_cycle', [this.line(s, s.price, s.periodStart, s.periodEnd, s.price.amount, false)]);
				this.hooks.onPlanChange(s.userId, s.price.plan, at);
				continue;
			}
			if (s.paused) {
				// Paused collection: the period rolls over, nothing is billed.
				s.periodStart = at;
				s.periodEnd = addInterval(at, s.price.interval);
				this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), previous);
				continue;
			}
			if (s.downgradeAtPeriodEnd) {
				s.price = this.prices.plus_monthly;
				s.downgradeAtPeriodEnd = false;
				this.hooks.onPlanChange(s.userId, 'plus', at);
			}
			s.periodStart = at;
			s.periodEnd = addInterval(at, s.price.interval);
			this.emit('customer.subscription.updated', at, this.subscriptionObject(s, 'active'), previous);
			this.invoice(s, at + 3600, 'subscription_cycle', [this.line(s, s.price, s.periodStart, s.periodEnd, s.price.amount, false)]);
			const choice = decide(s.userId, s.price.plan, s.price.interval, at);
			if (choice === 'cancel') this.cancel(s.userId, at + Math.floor((s.periodEnd - at) * 0.6));
			else if (choice === 'downgrade') s.downgradeAtPeriodEnd = true;
		}
	}

	/** Events sorted by time (Stripe's order); ties keep creation order. */
	sortedEvents(): object[] {
		return this.events.sort((a, b) => a.created - b.created || a.seq - b.seq).map((e) => e.event);
	}

	// ---------------------------------------------------------------- internals

	private customerFor(userId: string, at: number): string {
		let customer = this.customers.get(userId);
		if (!customer) {
			customer = `cus_${this.rng.token(14)}`;
			this.customers.set(userId, customer);
			this.emit('customer.created', at, {
				id: customer, object: 'customer', created: at, email: `${userId}@users.loopmeter.example`, name: null,
				currency: 'usd', delinquent: false, balance: 0, livemode: false, metadata: { user_id: userId }
			});
		}
		return customer;
	}

	private emitDiscount(s: Sub, id: string, couponId: string, start: number, end: number | null): void {
		this.emit('customer.discount.created', start, {
			id, object: 'discount', customer: s.customer, subscription: s.id, start, end, invoice: null, invoice_item: null, promotion_code: null,
			source: { type: 'coupon', coupon: couponId }
		}, undefined, `evt_${id.slice(3)}`);
	}

	private discountIds(s: Sub): string[] {
		return [...(s.discountedInvoicesLeft > 0 ? [s.discountId] : []), ...(s.foreverDiscountId ? [s.foreverDiscountId] : [])];
	}

	private lastInvoice = new Map<string, { id: string; amount: number; charge: string; paymentIntent: string; lineId: string; created: number }>();

	private end(s: Sub, at: number): void {
		s.ended = true;
		this.current.delete(s.userId);
		this.emit('customer.subscription.deleted', at, { ...this.subscriptionObject(s, 'canceled'), canceled_at: at, ended_at: at });
		this.hooks.onPlanChange(s.userId, 'free', at);
	}

	private line(s: Sub, price: Price, start: number, end: number, amount: number, proration: boolean) {
		const percent = proration ? 0 : s.discountedInvoicesLeft > 0 ? COUPON.percent_off : s.foreverDiscountId ? LOYALTY_COUPON.percent_off : 0;
		const discount = Math.round((amount * percent) / 100);
		return {
			id: `il_${this.rng.token(24)}`, object: 'line_item', amount, currency: 'usd',
			description: `1 × ${price.plan === 'plus' ? 'Plus' : 'Pro'} (at $${(price.amount / 100).toFixed(2)} / ${price.interval})`,
			discount_amounts: discount ? [{ amount: discount, discount: this.lineDiscountId(s) }] : [], discountable: !proration,
			discounts: discount ? [this.lineDiscountId(s)] : [], livemode: false, metadata: {},
			period: { start, end }, quantity: 1, taxes: [],
			pricing: { type: 'price_details', price_details: { price: price.id, product: price.product }, unit_amount_decimal: String(price.amount) },
			parent: { type: 'subscription_item_details', subscription_item_details: { subscription: s.id, subscription_item: s.itemId, proration, invoice_item: null } }
		};
	}

	private lineDiscountId(s: Sub): string {
		return s.discountedInvoicesLeft > 0 ? s.discountId : (s.foreverDiscountId ?? '');
	}

	private invoice(s: Sub, at: number, reason: string, lines: ReturnType<Billing['line']>[], consumesDiscount = true): void {
		const id = `in_${this.rng.token(24)}`;
		const subtotal = lines.reduce((a, l) => a + l.amount, 0);
		const discount = lines.reduce((a, l) => a + l.discount_amounts.reduce((b, d) => b + d.amount, 0), 0);
		if (consumesDiscount && s.discountedInvoicesLeft > 0) s.discountedInvoicesLeft--;
		const total = subtotal - discount;
		const charge = `ch_${this.rng.token(24)}`;
		const paymentIntent = `pi_${this.rng.token(24)}`;
		const data = lines.map((l) => ({ ...l, invoice: id }));
		this.emit('invoice.paid', at, {
			id, object: 'invoice', customer: s.customer, status: 'paid', billing_reason: reason, collection_method: 'charge_automatically',
			currency: 'usd', created: at, period_start: lines[0]!.period.start, period_end: lines[0]!.period.end,
			subtotal, subtotal_excluding_tax: subtotal, total_discount_amounts: discount ? [{ amount: discount, discount: this.lineDiscountId(s) }] : [],
			total, total_excluding_tax: total, amount_due: Math.max(0, total), amount_paid: Math.max(0, total), amount_remaining: 0,
			parent: { type: 'subscription_details', subscription_details: { subscription: s.id, metadata: { user_id: s.userId } } },
			status_transitions: { finalized_at: at, paid_at: at, marked_uncollectible_at: null, voided_at: null },
			lines: { object: 'list', data, has_more: false, url: `/v1/invoices/${id}/lines` }, livemode: false, metadata: {}
		});
		if (total > 0) this.lastInvoice.set(s.id, { id, amount: total, charge, paymentIntent, lineId: data[data.length - 1]!.id, created: at });
	}

	private itemsObject(s: Sub) {
		return {
			object: 'list', has_more: false,
			data: [{ id: s.itemId, object: 'subscription_item', price: priceObject(s.price), quantity: 1, subscription: s.id, current_period_start: s.periodStart, current_period_end: s.periodEnd, created: s.created }]
		};
	}

	private subscriptionObject(s: Sub, status: string) {
		return {
			id: s.id, object: 'subscription', customer: s.customer, status, currency: 'usd', created: s.created, start_date: s.created,
			billing_cycle_anchor: s.created, cancel_at_period_end: s.cancelAtPeriodEnd, cancel_at: null, canceled_at: null, ended_at: null,
			trial_start: s.trialing ? s.created : null, trial_end: s.trialing ? s.periodEnd : null,
			pause_collection: s.paused ? { behavior: 'void', resumes_at: null } : null,
			collection_method: 'charge_automatically', discounts: this.discountIds(s),
			items: this.itemsObject(s), livemode: false, metadata: { user_id: s.userId }
		};
	}

	private emit(type: string, created: number, object: object, previous?: object, id?: string): void {
		this.events.push({
			created,
			seq: this.seq++,
			event: {
				id: id ?? `evt_${this.rng.token(24)}`, object: 'event', api_version: API_VERSION, created, type, livemode: false, pending_webhooks: 0,
				request: { id: null, idempotency_key: null }, data: previous ? { object, previous_attributes: previous } : { object }
			}
		});
	}
}

function priceObject(p: Price) {
	return {
		id: p.id, object: 'price', product: p.product, active: true, currency: 'usd', unit_amount: p.amount, unit_amount_decimal: String(p.amount),
		recurring: { interval: p.interval, interval_count: 1, usage_type: 'licensed' }, lookup_key: p.key, type: 'recurring',
		billing_scheme: 'per_unit', created: p.created, livemode: false, metadata: { plan: p.plan }, nickname: null, tax_behavior: 'exclusive'
	};
}

/** Same day of month, like Stripe's billing anchor (clamped to the month's last day). */
export function addInterval(s: number, interval: 'month' | 'year'): number {
	const d = new Date(s * 1000);
	const y = d.getUTCFullYear() + (interval === 'year' ? 1 : 0);
	const m = d.getUTCMonth() + (interval === 'month' ? 1 : 0);
	const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
	return Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

/** `months` calendar months later (a repeating coupon's end). */
function addMonths(s: number, months: number): number {
	let t = s;
	for (let i = 0; i < months; i++) t = addInterval(t, 'month');
	return t;
}

function isoDay(s: number): string {
	return new Date(s * 1000).toISOString().slice(0, 10);
}
