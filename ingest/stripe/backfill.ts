import type Stripe from 'stripe';
import { randomUUID } from 'node:crypto';
import { applyEvents, applyObjects, type ApplyContext, type EventItem, type Outcome } from './apply.js';
import { readCursor, writeCursor } from './cursors.js';
import type { StoredObjectType } from './schemas.js';

/**
 * `loopmeter stripe backfill`: pages through every list Loopmeter needs with the
 * SDK's auto-pagination and stores raw + typed rows through applyObjects (the
 * same mapping as events). Resumable: after each page the last id is saved as
 * the resource's cursor and a rerun continues after it; a finished resource is
 * 'done' and skipped (unless `restart`). Before listing, the newest event id is
 * saved as the sync cursor if there is none, so `stripe sync` afterwards picks
 * up exactly what changed since.
 */

type Lister = (stripe: Stripe, params: { limit: number; starting_after?: string }) => AsyncIterable<unknown>;

export const backfillResources: readonly { type: StoredObjectType; name: string; list: Lister }[] = [
	{ type: 'product', name: 'products', list: (s, p) => s.products.list(p) },
	{ type: 'price', name: 'prices', list: (s, p) => s.prices.list(p) },
	{ type: 'customer', name: 'customers', list: (s, p) => s.customers.list(p) },
	{ type: 'coupon', name: 'coupons', list: (s, p) => s.coupons.list(p) },
	// Canceled subscriptions are needed for churn: Stripe leaves them out unless status=all.
	// Discounts expanded: a subscription's coupons have no list endpoint of their own.
	{ type: 'subscription', name: 'subscriptions', list: (s, p) => s.subscriptions.list({ ...p, status: 'all', expand: ['data.discounts'] }) },
	{ type: 'invoice', name: 'invoices', list: (s, p) => s.invoices.list(p) },
	{ type: 'credit_note', name: 'credit_notes', list: (s, p) => s.creditNotes.list(p) },
	{ type: 'charge', name: 'charges', list: (s, p) => s.charges.list(p) },
	{ type: 'refund', name: 'refunds', list: (s, p) => s.refunds.list(p) }
];

export interface BackfillProgress {
	resource: string;
	stored: number;
	rejected: number;
	done: boolean;
}

export interface BackfillOptions {
	restart?: boolean;
	pageSize?: number;
	onProgress?: (p: BackfillProgress) => void;
}

export interface BackfillResult {
	resources: BackfillProgress[];
	rejected: Extract<Outcome, { kind: 'rejected' }>[];
	eventsCursor?: string;
}

export async function backfill(stripe: Stripe, opts: BackfillOptions = {}): Promise<BackfillResult> {
	const pageSize = opts.pageSize ?? 100;
	const runId = `stripe-backfill-${randomUUID()}`;
	const ctx: ApplyContext = { via: 'backfill', runId, file: 'stripe backfill', fetchInvoiceLines: invoiceLineFetcher(stripe) };
	const result: BackfillResult = { resources: [], rejected: [] };

	// Listed states are at least as new as the newest event now: that event's
	// time versions them, so later events (replayed by sync or delivered by the
	// webhook) win and earlier ones lose, whatever the machine clock says.
	let newest: { id: string; created: number } | undefined;
	for await (const ev of stripe.events.list({ limit: 1 })) {
		newest = { id: ev.id, created: ev.created };
		break;
	}
	const asOf = newest?.created ?? Math.floor(Date.now() / 1000);
	result.eventsCursor = await readCursor('events');
	if (newest && (!result.eventsCursor || opts.restart)) {
		result.eventsCursor = newest.id;
		await writeCursor('events', newest.id);
	}

	for (const res of backfillResources) {
		const key = `backfill:${res.name}`;
		const cursor = opts.restart ? undefined : await readCursor(key);
		const progress: BackfillProgress = { resource: res.name, stored: 0, rejected: 0, done: cursor === 'done' };
		result.resources.push(progress);
		if (progress.done) {
			opts.onProgress?.(progress);
			continue;
		}
		let page: Record<string, unknown>[] = [];
		const flush = async () => {
			if (!page.length) return;
			const outcomes = await applyObjects(res.type, page, asOf, ctx);
			for (const o of outcomes) {
				if (o.kind === 'rejected') {
					progress.rejected++;
					result.rejected.push(o);
				} else progress.stored++;
			}
			await writeCursor(key, String(page.at(-1)!.id));
			page = [];
			opts.onProgress?.(progress);
		};
		for await (const object of res.list(stripe, { limit: pageSize, ...(cursor ? { starting_after: cursor } : {}) })) {
			page.push(object as Record<string, unknown>);
			if (page.length >= pageSize) await flush();
		}
		await flush();
		await writeCursor(key, 'done');
		progress.done = true;
		opts.onProgress?.(progress);
	}
	await replaySubscriptionHistory(stripe, ctx, pageSize, opts, result);
	return result;
}

/**
 * Lists give each subscription's state of today only, but MRR follows every
 * state it has been in (plan changes, coupons, pauses on their day). Stripe
 * keeps 30 days of events: the subscription and discount events among them are
 * applied too, so the recent history is known after a backfill as after a sync.
 * Older states stay unknown: the earliest known state counts from start_date.
 */
export const HISTORY_EVENT_TYPES = ['customer.subscription.*', 'customer.discount.*', 'coupon.*', 'subscription_schedule.*'];

async function replaySubscriptionHistory(stripe: Stripe, ctx: ApplyContext, pageSize: number, opts: BackfillOptions, result: BackfillResult) {
	const key = 'backfill:subscription_history';
	const progress: BackfillProgress = { resource: 'subscription_history', stored: 0, rejected: 0, done: !opts.restart && (await readCursor(key)) === 'done' };
	result.resources.push(progress);
	if (!progress.done) {
		let page: EventItem[] = [];
		const flush = async () => {
			for (const o of page.length ? await applyEvents(page, ctx) : []) {
				if (o.kind === 'rejected') {
					progress.rejected++;
					result.rejected.push(o);
				} else if (o.kind === 'applied') progress.stored++;
			}
			page = [];
		};
		for await (const ev of stripe.events.list({ limit: pageSize, types: HISTORY_EVENT_TYPES })) {
			page.push({ event: ev });
			if (page.length >= pageSize) await flush();
		}
		await flush();
		await writeCursor(key, 'done');
		progress.done = true;
	}
	opts.onProgress?.(progress);
}

/** Every line of an invoice, when its payload carried only the first page. */
export function invoiceLineFetcher(stripe: Stripe): (invoiceId: string) => Promise<unknown[]> {
	return async (invoiceId) => {
		const lines: unknown[] = [];
		for await (const line of stripe.invoices.listLineItems(invoiceId, { limit: 100 })) lines.push(line);
		return lines;
	};
}
