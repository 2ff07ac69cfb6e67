import type { z } from 'zod';
import {
	chargeSchema,
	couponOf,
	couponSchema,
	creditNoteSchema,
	customerSchema,
	describeIssue,
	invoiceSchema,
	objectSchemas,
	priceSchema,
	productSchema,
	refundSchema,
	subscriptionSchema,
	type Discount,
	type InvoiceLine,
	type StoredObjectType
} from './schemas.js';
import { chTime } from './version.js';
import type { PlanMapping } from './plans.js';
import { planFromLookupKey } from './plans.js';

/**
 * Pure mapping from one validated Stripe object to rows of the typed tables
 * (sql/migrations/0020_stripe_tables.sql). No I/O: every channel (backfill,
 * sync, webhook, event file) goes through here, which is what makes them agree.
 */

export const typedTables = [
	'stripe_customers', 'stripe_products', 'stripe_prices', 'stripe_subscriptions', 'stripe_subscription_versions',
	'stripe_discounts', 'stripe_coupons', 'stripe_invoices', 'stripe_invoice_lines', 'stripe_credit_notes', 'stripe_refunds',
	'stripe_charges'
] as const;
export type TypedTable = (typeof typedTables)[number];
export type Row = Record<string, unknown>;
export type TableRows = Partial<Record<TypedTable, Row[]>>;

export interface RowContext {
	version: number;
	via: string;
	/** The event said the object was deleted (customer.deleted, product.deleted, price.deleted). */
	deleted: boolean;
	plans: PlanMapping;
}

export type MapResult = { ok: true; rows: TableRows } | { ok: false; field: string; reason: string };

export function objectRows(type: StoredObjectType, raw: unknown, ctx: RowContext): MapResult {
	const parsed = (objectSchemas[type] as z.ZodType).safeParse(raw);
	if (!parsed.success) return { ok: false, ...describeIssue(parsed.error) };
	const base = { version: ctx.version, via: ctx.via };
	const v = parsed.data;
	switch (type) {
		case 'customer':
			return ok({ stripe_customers: [customerRow(v as z.infer<typeof customerSchema>, ctx, base)] });
		case 'product':
			return ok({ stripe_products: [productRow(v as z.infer<typeof productSchema>, ctx, base)] });
		case 'price':
			return ok({ stripe_prices: [priceRow(v as z.infer<typeof priceSchema>, ctx, base)] });
		case 'subscription':
			return subscriptionRows(v as z.infer<typeof subscriptionSchema>, ctx, base);
		case 'discount':
			return discountRows(v as Discount, ctx, base);
		case 'coupon':
			return couponRows(v as z.infer<typeof couponSchema>, ctx, base);
		case 'invoice':
			return invoiceRows(v as z.infer<typeof invoiceSchema>, base);
		case 'credit_note':
			return ok({ stripe_credit_notes: [creditNoteRow(v as z.infer<typeof creditNoteSchema>, base)] });
		case 'refund':
			return ok({ stripe_refunds: [refundRow(v as z.infer<typeof refundSchema>, base)] });
		case 'charge':
			return chargeRows(v as z.infer<typeof chargeSchema>, base);
	}
}

/** Stripe keeps one currency per invoice and subscription; a part in another one cannot be valued with it. */
export function mixedCurrencyReason(part: string, whole: string): string {
	return `currency "${part}" differs from the object's "${whole}": Stripe bills one currency per invoice and subscription, so this object is kept in stripe_objects but left out of revenue and MRR`;
}

const ok = (rows: TableRows): MapResult => ({ ok: true, rows });

function customerRow(c: z.infer<typeof customerSchema>, ctx: RowContext, base: Row): Row {
	return {
		customer_id: c.id,
		metadata_user_id: c.metadata.user_id ?? '',
		email: c.email ?? '',
		created: chTime(c.created ?? 0),
		deleted: ctx.deleted || c.deleted === true,
		...base
	};
}

function productRow(p: z.infer<typeof productSchema>, ctx: RowContext, base: Row): Row {
	return {
		product_id: p.id,
		name: p.name ?? '',
		metadata_plan: (p.metadata[ctx.plans.metadataKey] ?? '').toLowerCase(),
		active: p.active ?? true,
		deleted: ctx.deleted || p.deleted === true,
		...base
	};
}

function priceRow(p: z.infer<typeof priceSchema>, ctx: RowContext, base: Row): Row {
	return {
		price_id: p.id,
		product_id: p.product,
		currency: p.currency,
		unit_amount: p.unit_amount ?? Math.round(Number(p.unit_amount_decimal ?? 0)),
		recurring_interval: p.recurring?.interval ?? '',
		interval_count: p.recurring?.interval_count ?? 1,
		lookup_key: p.lookup_key ?? '',
		metadata_plan: (p.metadata[ctx.plans.metadataKey] ?? '').toLowerCase(),
		lookup_key_plan: planFromLookupKey(p.lookup_key ?? '', ctx.plans),
		active: p.active ?? true,
		deleted: ctx.deleted || p.deleted === true,
		...base
	};
}

function subscriptionRows(s: z.infer<typeof subscriptionSchema>, ctx: RowContext, base: Row): MapResult {
	// Amounts stay in the subscription's currency (minor units); metrics convert them to USD at the day's fx_rates rate.
	const mixed = s.items.data.findIndex((i) => i.price.currency !== s.currency);
	if (mixed >= 0) return { ok: false, field: `items.data.${mixed}.price.currency`, reason: mixedCurrencyReason(s.items.data[mixed]!.price.currency, s.currency) };
	const expanded = [...(s.discounts ?? []).filter((d): d is Discount => typeof d !== 'string'), ...(s.discount ? [s.discount] : [])];
	const discounts = expanded.map((d) => discountRows(d, ctx, base, { subscription: s.id, customer: s.customer }));
	const refused = discounts.find((d) => !d.ok);
	if (refused) return refused;
	const rows: TableRows = {
		stripe_subscriptions: [
			{
				subscription_id: s.id,
				customer_id: s.customer,
				status: s.status,
				currency: s.currency,
				created: chTime(s.created),
				start_date: chTime(s.start_date ?? s.created),
				canceled_at: s.canceled_at == null ? null : chTime(s.canceled_at),
				ended_at: s.ended_at == null ? null : chTime(s.ended_at),
				price_ids: s.items.data.map((i) => i.price.id),
				quantities: s.items.data.map((i) => i.quantity ?? 1),
				...base
			}
		],
		stripe_subscription_versions: [subscriptionVersionRow(s, ctx, base)],
		// Subscription items embed their prices: keeping them means MRR works even
		// when the price.created events were never delivered.
		stripe_prices: s.items.data.map((i) => priceRow(i.price, { ...ctx, deleted: false }, base))
	};
	for (const d of discounts) if (d.ok) merge(rows, d.rows);
	return ok(rows);
}

/** The state as of its version's second: one row of the subscription's history. */
function subscriptionVersionRow(s: z.infer<typeof subscriptionSchema>, ctx: RowContext, base: Row): Row {
	const time = (x: number | null | undefined) => (x == null ? null : chTime(x));
	const discountIds = [...(s.discounts ?? []).map((d) => (typeof d === 'string' ? d : d.id)), ...(s.discount ? [s.discount.id] : [])];
	return {
		subscription_id: s.id,
		customer_id: s.customer,
		status: s.status,
		effective_at: chTime(Math.floor(ctx.version / 0x10000)),
		start_date: chTime(s.start_date ?? s.created),
		trial_end: time(s.trial_end),
		cancel_at: time(s.cancel_at),
		cancel_at_period_end: s.cancel_at_period_end ?? false,
		canceled_at: time(s.canceled_at),
		ended_at: time(s.ended_at),
		paused: s.pause_collection != null,
		schedule_id: s.schedule,
		price_ids: s.items.data.map((i) => i.price.id),
		quantities: s.items.data.map((i) => i.quantity ?? 1),
		discount_ids: [...new Set(discountIds)],
		...base
	};
}

function discountRows(d: Discount, ctx: RowContext, base: Row, owner?: { subscription: string; customer: string }): MapResult {
	const { id: couponId, coupon } = couponOf(d);
	const rows: TableRows = {
		stripe_discounts: [
			{
				discount_id: d.id,
				subscription_id: d.subscription || owner?.subscription || '',
				customer_id: d.customer || owner?.customer || '',
				coupon_id: couponId,
				starts_at: chTime(d.start),
				ends_at: d.end == null ? null : chTime(d.end),
				deleted: ctx.deleted || d.deleted === true,
				...base
			}
		]
	};
	if (!coupon) return ok(rows);
	const c = couponRows(coupon, { ...ctx, deleted: false }, base);
	if (!c.ok) return { ok: false, field: `coupon.${c.field}`, reason: c.reason };
	return ok({ ...rows, ...c.rows });
}

function couponRows(c: z.infer<typeof couponSchema>, ctx: RowContext, base: Row): MapResult {
	// A percentage has no currency; an amount off is in the currency of the subscriptions it applies to (Stripe enforces it).
	return ok({
		stripe_coupons: [
			{
				coupon_id: c.id,
				duration: c.duration,
				duration_in_months: c.duration_in_months ?? 0,
				percent_off: c.percent_off ?? 0,
				amount_off: c.amount_off ?? 0,
				currency: c.currency ?? '',
				deleted: ctx.deleted || c.deleted === true,
				...base
			}
		]
	});
}

function merge(into: TableRows, rows: TableRows) {
	for (const [table, list] of Object.entries(rows) as [TypedTable, Row[]][]) (into[table] ??= []).push(...list);
}

function invoiceRows(inv: z.infer<typeof invoiceSchema>, base: Row): MapResult {
	if (inv.lines.has_more) {
		return {
			ok: false,
			field: 'lines.has_more',
			reason: 'the invoice carries only the first page of its lines and no Stripe API key was available to fetch the rest: run `loopmeter stripe sync` or `loopmeter stripe backfill` with STRIPE_SECRET_KEY set'
		};
	}
	const invoiceSub = inv.parent?.subscription_details?.subscription || inv.subscription;
	const mixed = inv.lines.data.findIndex((l) => l.currency !== inv.currency);
	if (mixed >= 0) return { ok: false, field: `lines.data.${mixed}.currency`, reason: mixedCurrencyReason(inv.lines.data[mixed]!.currency, inv.currency) };
	return ok({
		stripe_invoices: [
			{
				invoice_id: inv.id,
				customer_id: inv.customer,
				subscription_id: invoiceSub,
				status: inv.status ?? 'draft',
				currency: inv.currency,
				created: chTime(inv.created),
				paid_at: inv.status_transitions?.paid_at == null ? null : chTime(inv.status_transitions.paid_at),
				total: inv.total ?? 0,
				amount_due: inv.amount_due ?? inv.total ?? 0,
				amount_paid: inv.amount_paid ?? (inv.status === 'paid' ? (inv.total ?? 0) : 0),
				tax: invoiceTax(inv),
				line_count: inv.lines.data.length,
				...base
			}
		],
		stripe_invoice_lines: inv.lines.data.map((l) => lineRow(l, inv, invoiceSub, base))
	});
}

/**
 * Tax on the invoice (minor units): total − total_excluding_tax, as Stripe's
 * current API gives it; older API versions send `tax` or `total_taxes`.
 */
function invoiceTax(inv: z.infer<typeof invoiceSchema>): number {
	if (inv.total != null && inv.total_excluding_tax != null) return inv.total - inv.total_excluding_tax;
	if (inv.tax != null) return inv.tax;
	return (inv.total_taxes ?? []).reduce((s, t) => s + t.amount, 0);
}

function lineRow(l: InvoiceLine, inv: z.infer<typeof invoiceSchema>, invoiceSub: string, base: Row): Row {
	const parent = l.parent?.subscription_item_details ?? l.parent?.invoice_item_details;
	const sum = (xs: { amount: number }[] | null | undefined) => (xs ?? []).reduce((s, x) => s + x.amount, 0);
	return {
		invoice_id: inv.id,
		line_id: l.id,
		customer_id: inv.customer,
		subscription_id: parent?.subscription || l.subscription || invoiceSub,
		price_id: l.pricing?.price_details?.price ?? l.price?.id ?? '',
		currency: l.currency,
		amount: l.amount,
		discount: sum(l.discount_amounts),
		inclusive_tax: sum((l.taxes ?? []).filter((t) => t.tax_behavior === 'inclusive')) + sum((l.tax_amounts ?? []).filter((t) => t.inclusive)),
		quantity: l.quantity ?? 1,
		period_start: chTime(l.period.start),
		period_end: chTime(Math.max(l.period.end, l.period.start)),
		proration: parent?.proration ?? l.proration ?? false,
		...base
	};
}

function creditNoteRow(c: z.infer<typeof creditNoteSchema>, base: Row): Row {
	return {
		credit_note_id: c.id,
		invoice_id: c.invoice,
		customer_id: c.customer,
		currency: c.currency,
		effective_at: chTime(c.effective_at ?? c.created),
		status: c.status,
		// Excluding tax and net of discounts, the same basis as recognized invoice lines.
		amount_ex_tax: c.total_excluding_tax ?? (c.subtotal_excluding_tax ?? c.subtotal) - (c.discount_amount ?? 0),
		refund_ids: (c.refunds ?? []).map((r) => r.refund),
		...base
	};
}

function refundRow(r: z.infer<typeof refundSchema>, base: Row): Row {
	const charge = r.charge ?? '';
	return {
		refund_id: r.id,
		charge_id: typeof charge === 'string' ? charge : charge.id,
		customer_id: r.customer || (typeof charge === 'string' ? '' : charge.customer),
		currency: r.currency,
		amount: r.amount,
		created: chTime(r.created),
		status: r.status ?? 'succeeded',
		...base
	};
}

function chargeRows(c: z.infer<typeof chargeSchema>, base: Row): MapResult {
	// A charge.refunded event embeds its refunds: store them as refunds too
	// (same refund ids as refund.created, so nothing counts twice).
	const refunds = (c.refunds?.data ?? [])
		.map((r) => refundSchema.safeParse(r))
		.filter((p) => p.success)
		.map((p) => refundRow({ ...p.data!, customer: p.data!.customer || c.customer }, base));
	return ok({
		stripe_charges: [{ charge_id: c.id, customer_id: c.customer, currency: c.currency, created: chTime(c.created), ...base }],
		...(refunds.length ? { stripe_refunds: refunds } : {})
	});
}
