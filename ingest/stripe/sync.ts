import type Stripe from 'stripe';
import { randomUUID } from 'node:crypto';
import { applyEvents, type EventItem, type Outcome } from './apply.js';
import { invoiceLineFetcher } from './backfill.js';
import { readCursor, writeCursor } from './cursors.js';
import { StripeSetupError } from './client.js';

/**
 * `loopmeter stripe sync`: applies the events created since the stored cursor
 * (GET /v1/events with ending_before, which the SDK's auto-pagination walks
 * oldest → newest), saving the cursor after every page. Safe to run on a
 * schedule or twice in a row: applied event ids are skipped and states are
 * versioned by event time. Without a cursor it reads every event Stripe still
 * keeps (30 days) and then stores the newest id.
 */

export interface SyncResult {
	applied: number;
	duplicate: number;
	ignored: number;
	rejected: Extract<Outcome, { kind: 'rejected' }>[];
	cursor?: string;
}

export async function syncEvents(stripe: Stripe, opts: { pageSize?: number; onProgress?: (r: SyncResult) => void } = {}): Promise<SyncResult> {
	const pageSize = opts.pageSize ?? 100;
	const start = await readCursor('events');
	const ctx = { via: 'sync' as const, runId: `stripe-sync-${randomUUID()}`, file: 'stripe sync', fetchInvoiceLines: invoiceLineFetcher(stripe) };
	const result: SyncResult = { applied: 0, duplicate: 0, ignored: 0, rejected: [], cursor: start };
	let newest: string | undefined;
	let page: EventItem[] = [];
	const flush = async () => {
		if (!page.length) return;
		for (const o of await applyEvents(page, ctx)) {
			if (o.kind === 'applied') result.applied++;
			else if (o.kind === 'duplicate') result.duplicate++;
			else if (o.kind === 'ignored') result.ignored++;
			else result.rejected.push(o);
		}
		// With a cursor the walk is chronological, so the page's last event is the newest so far.
		if (start) {
			result.cursor = (page.at(-1)!.event as { id: string }).id;
			await writeCursor('events', result.cursor);
		}
		page = [];
		opts.onProgress?.(result);
	};
	const events = stripe.events.list({ limit: pageSize, ...(start ? { ending_before: start } : {}) });
	try {
		for await (const ev of events) {
			newest ??= ev.id;
			page.push({ event: ev });
			if (page.length >= pageSize) await flush();
		}
	} catch (e) {
		// Stripe keeps events for 30 days: a cursor older than that cannot be continued from.
		if (start && (e as { code?: string }).code === 'resource_missing') {
			throw new StripeSetupError(
				`the sync cursor ${start} is no longer known to Stripe (it keeps events for 30 days), so changes since then cannot be replayed: run \`loopmeter stripe backfill --restart\` to read every object again, then sync resumes from there`
			);
		}
		throw e;
	}
	await flush();
	if (!start && newest) {
		result.cursor = newest;
		await writeCursor('events', newest);
	}
	return result;
}
