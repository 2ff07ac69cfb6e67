import { z } from 'zod';

/**
 * The Stripe fields Loopmeter reads, and nothing more. Objects are validated
 * with these schemas and extra fields are ignored (the raw object is kept in
 * stripe_objects anyway). Both the current API shape (invoice line
 * `parent.subscription_item_details`, `pricing.price_details`, line `taxes`)
 * and the older one (line `price`, `subscription`, `proration`, `tax_amounts`)
 * are accepted, so files exported from older accounts load too.
 */

const id = z.string().min(1);
/** An id, or the object it names when the request expanded it. */
const ref = z.union([id, z.object({ id })]).transform((v) => (typeof v === 'string' ? v : v.id));
const optionalRef = ref.nullish().transform((v) => v ?? '');
const ts = z.number().int().nonnegative();
const metadata = z.record(z.string(), z.string().nullable()).nullish().transform((m) => m ?? {});
const money = z.number().int();
const currency = z.string().min(3).transform((c) => c.toLowerCase());

export const customerSchema = z.object({
	object: z.literal('customer'),
	id,
	created: ts.optional(),
	email: z.string().nullish(),
	metadata,
	deleted: z.boolean().optional()
});

export const productSchema = z.object({
	object: z.literal('product'),
	id,
	name: z.string().nullish(),
	active: z.boolean().optional(),
	metadata,
	deleted: z.boolean().optional()
});

export const priceSchema = z.object({
	object: z.literal('price'),
	id,
	product: ref,
	currency,
	unit_amount: money.nullish(),
	// The SDK turns decimal strings into its own Decimal objects; files carry strings.
	unit_amount_decimal: z.union([z.string(), z.object({}).loose()]).nullish().transform((v) => (v == null ? null : String(v))),
	recurring: z.object({ interval: z.enum(['day', 'week', 'month', 'year']), interval_count: z.number().int().positive().default(1) }).nullish(),
	lookup_key: z.string().nullish(),
	active: z.boolean().optional(),
	metadata,
	deleted: z.boolean().optional()
});

const subscriptionItemSchema = z.object({
	id,
	price: priceSchema,
	quantity: z.number().int().nonnegative().nullish()
});

export const couponSchema = z.object({
	object: z.literal('coupon'),
	id,
	duration: z.enum(['forever', 'once', 'repeating']),
	duration_in_months: z.number().int().nonnegative().nullish(),
	percent_off: z.number().min(0).max(100).nullish(),
	amount_off: money.nullish(),
	currency: currency.nullish(),
	deleted: z.boolean().optional()
});

/**
 * A discount names its coupon as `coupon` (API versions before 2025) or as
 * `source.coupon` (id, or the coupon when expanded).
 */
export const discountSchema = z.object({
	object: z.literal('discount'),
	id,
	customer: optionalRef,
	subscription: optionalRef,
	start: ts,
	end: ts.nullish(),
	coupon: couponSchema.nullish(),
	source: z.object({ coupon: z.union([id, couponSchema]).nullish() }).nullish(),
	deleted: z.boolean().optional()
});
export type Discount = z.infer<typeof discountSchema>;

/** The coupon a discount applies: its id, and the coupon itself when it came embedded. */
export function couponOf(d: Discount): { id: string; coupon?: z.infer<typeof couponSchema> } {
	if (d.coupon) return { id: d.coupon.id, coupon: d.coupon };
	const c = d.source?.coupon;
	if (!c) return { id: '' };
	return typeof c === 'string' ? { id: c } : { id: c.id, coupon: c };
}

export const subscriptionSchema = z.object({
	object: z.literal('subscription'),
	id,
	customer: ref,
	status: z.string().min(1),
	currency,
	created: ts,
	start_date: ts.nullish(),
	trial_end: ts.nullish(),
	cancel_at: ts.nullish(),
	cancel_at_period_end: z.boolean().nullish(),
	canceled_at: ts.nullish(),
	ended_at: ts.nullish(),
	// Collection paused: no invoices, no MRR, until resumed (Stripe's convention).
	pause_collection: z.object({ behavior: z.string().nullish() }).nullish(),
	schedule: optionalRef,
	// Ids in webhook payloads, discount objects when the request expanded them.
	discounts: z.array(z.union([id, discountSchema])).nullish(),
	discount: discountSchema.nullish(),
	items: z.object({ data: z.array(subscriptionItemSchema), has_more: z.boolean().optional() })
});

const amountOf = z.object({ amount: money });

export const invoiceLineSchema = z.object({
	id,
	amount: money,
	currency,
	period: z.object({ start: ts, end: ts }),
	quantity: z.number().int().nonnegative().nullish(),
	discount_amounts: z.array(amountOf).nullish(),
	taxes: z.array(z.object({ amount: money, tax_behavior: z.string().nullish() })).nullish(),
	tax_amounts: z.array(z.object({ amount: money, inclusive: z.boolean() })).nullish(),
	proration: z.boolean().nullish(),
	subscription: optionalRef,
	price: z.object({ id }).nullish(),
	pricing: z.object({ price_details: z.object({ price: ref }).nullish() }).nullish(),
	parent: z
		.object({
			subscription_item_details: z.object({ proration: z.boolean().nullish(), subscription: optionalRef }).nullish(),
			invoice_item_details: z.object({ proration: z.boolean().nullish(), subscription: optionalRef }).nullish()
		})
		.nullish()
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

export const invoiceSchema = z.object({
	object: z.literal('invoice'),
	id,
	customer: ref,
	status: z.string().nullish(),
	currency,
	created: ts,
	total: money.nullish(),
	total_excluding_tax: money.nullish(),
	amount_due: money.nullish(),
	amount_paid: money.nullish(),
	// Older API versions: the invoice's tax as one amount, or per rate.
	tax: money.nullish(),
	total_taxes: z.array(amountOf).nullish(),
	subscription: optionalRef,
	parent: z.object({ subscription_details: z.object({ subscription: optionalRef }).nullish() }).nullish(),
	status_transitions: z.object({ paid_at: ts.nullish() }).nullish(),
	lines: z.object({ data: z.array(invoiceLineSchema), has_more: z.boolean().optional() })
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const creditNoteSchema = z.object({
	object: z.literal('credit_note'),
	id,
	invoice: ref,
	customer: ref,
	currency,
	created: ts,
	effective_at: ts.nullish(),
	status: z.string().min(1),
	subtotal: money,
	subtotal_excluding_tax: money.nullish(),
	total_excluding_tax: money.nullish(),
	discount_amount: money.nullish(),
	refunds: z.array(z.union([z.object({ refund: ref }), ref.transform((r) => ({ refund: r }))])).nullish()
});

export const refundSchema = z.object({
	object: z.literal('refund'),
	id,
	amount: money,
	currency,
	created: ts,
	status: z.string().nullish(),
	charge: z.union([id, z.object({ id, customer: optionalRef })]).nullish(),
	customer: optionalRef
});

export const chargeSchema = z.object({
	object: z.literal('charge'),
	id,
	customer: optionalRef,
	currency,
	created: ts,
	refunds: z.object({ data: z.array(z.unknown()) }).nullish()
});

export const eventSchema = z.object({
	id: id.regex(/^evt_/, 'must be an event id (evt_…)'),
	object: z.literal('event').optional(),
	type: z.string().min(1),
	created: ts,
	data: z.object({ object: z.record(z.string(), z.unknown()) })
});
export type StripeEvent = z.infer<typeof eventSchema>;

/** Object types Loopmeter stores; every other event is acknowledged and ignored. */
export const objectSchemas = {
	customer: customerSchema,
	product: productSchema,
	price: priceSchema,
	subscription: subscriptionSchema,
	discount: discountSchema,
	coupon: couponSchema,
	invoice: invoiceSchema,
	credit_note: creditNoteSchema,
	refund: refundSchema,
	charge: chargeSchema
} as const;
export type StoredObjectType = keyof typeof objectSchemas;

export function isStoredObjectType(t: unknown): t is StoredObjectType {
	return typeof t === 'string' && Object.hasOwn(objectSchemas, t);
}

/** "lines.data.0.period.end: expected number" — the first problem, naming the field. */
export function describeIssue(error: z.ZodError): { field: string; reason: string } {
	const issue = error.issues[0]!;
	const field = issue.path.map(String).join('.') || '(object)';
	return { field, reason: `${field}: ${issue.message}` };
}
