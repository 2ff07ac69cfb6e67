import { getWarehouse, query } from '../../src/lib/server/warehouse/index.js';
import { readConfig } from '../../src/lib/server/config.js';
import { planMapping, type PlanMapping } from './plans.js';
import { objectRows, typedTables, type Row, type TableRows } from './rows.js';
import { eventSchema, describeIssue, isStoredObjectType, type StoredObjectType } from './schemas.js';
import { chTime, stateVersion } from './version.js';

/**
 * The one way Stripe data enters the warehouse. Webhook, `stripe sync`, event
 * files (`ingest stripe_events`) call applyEvents; backfill calls applyObjects
 * with the objects it listed. Both map through objectRows (pure) and write the
 * same tables, so every channel converges to the same state:
 * - an event id already applied is skipped (stripe_events is the ledger);
 * - each state is versioned by when it was true (event `created`), so arrival
 *   order does not matter;
 * - a bad event or object goes to dead_letters with the field and a reason,
 *   and the rest of the batch still lands.
 */

export type Via = 'file' | 'webhook' | 'sync' | 'backfill';

export interface ApplyContext {
	via: Via;
	runId: string;
	/** What dead letters name as the origin: the file path, 'webhook' or 'sync'. */
	file: string;
	/** Dead-letter key: the file's hash, or the event id for webhook/sync. */
	fileHash?: string;
	dryRun?: boolean;
	/** Fetches every line of an invoice whose payload carried only the first page. */
	fetchInvoiceLines?: (invoiceId: string) => Promise<unknown[]>;
	plans?: PlanMapping;
}

export interface EventItem {
	event: unknown;
	/** 1-based line in an event file. */
	line?: number;
	/** The text as received, kept (truncated) in dead_letters. */
	raw?: string;
	/** The line was not JSON: why (the item is rejected with this reason). */
	parseError?: string;
}

export type Outcome =
	| { kind: 'applied'; eventId: string; line?: number; objectType: StoredObjectType }
	| { kind: 'duplicate'; eventId: string; line?: number }
	| { kind: 'ignored'; eventId: string; line?: number; reason: string }
	| { kind: 'rejected'; eventId?: string; line?: number; field: string; reason: string; raw: string };

const RAW_LIMIT = 4000;

interface Batch {
	typed: TableRows;
	objects: Row[];
	events: Row[];
	deadLetters: Row[];
}

function emptyBatch(): Batch {
	return { typed: {}, objects: [], events: [], deadLetters: [] };
}

function mappingOf(ctx: ApplyContext): PlanMapping {
	return ctx.plans ?? planMapping(readConfig());
}

/** Applies a batch of Stripe events; returns one outcome per item, in order. */
export async function applyEvents(items: EventItem[], ctx: ApplyContext): Promise<Outcome[]> {
	const plans = mappingOf(ctx);
	const batch = emptyBatch();
	const outcomes: Outcome[] = [];
	const ids = items.map((i) => (i.event as { id?: unknown } | null)?.id).filter((x): x is string => typeof x === 'string');
	const seen = await alreadyApplied(ids);

	for (const item of items) {
		const raw = (item.raw ?? JSON.stringify(item.event) ?? '').slice(0, RAW_LIMIT);
		if (item.parseError) {
			outcomes.push(reject(batch, ctx, item, undefined, { field: '(line)', reason: `not valid JSON: ${item.parseError}` }, raw));
			continue;
		}
		const parsed = eventSchema.safeParse(item.event);
		if (!parsed.success) {
			outcomes.push(reject(batch, ctx, item, undefined, describeIssue(parsed.error), raw));
			continue;
		}
		const ev = parsed.data;
		if (seen.has(ev.id)) {
			outcomes.push({ kind: 'duplicate', eventId: ev.id, line: item.line });
			continue;
		}
		seen.add(ev.id);
		const objectType = ev.data.object.object;
		const objectId = typeof ev.data.object.id === 'string' ? ev.data.object.id : '';
		if (!isStoredObjectType(objectType)) {
			batch.events.push(eventRow(ev, String(objectType ?? ''), objectId, ctx, 'ignored'));
			outcomes.push({ kind: 'ignored', eventId: ev.id, line: item.line, reason: `event type ${ev.type} carries no object Loopmeter uses` });
			continue;
		}
		let object = ev.data.object;
		if (objectType === 'invoice') object = await completeInvoiceLines(object, ctx);
		const deleted = ev.type.endsWith('.deleted') && objectType !== 'subscription';
		const version = stateVersion(ev.created, object, deleted);
		const mapped = objectRows(objectType, object, { version, via: ctx.via, deleted, plans });
		batch.objects.push(objectRow(objectType, objectId, version, ctx.via, ev.id, object));
		if (!mapped.ok) {
			outcomes.push(reject(batch, ctx, item, ev.id, { field: `data.object.${mapped.field}`, reason: `data.object.${mapped.field}: ${stripField(mapped.reason, mapped.field)}` }, raw));
			continue;
		}
		merge(batch.typed, mapped.rows);
		batch.events.push(eventRow(ev, objectType, objectId, ctx, 'applied'));
		outcomes.push({ kind: 'applied', eventId: ev.id, line: item.line, objectType });
	}
	if (!ctx.dryRun) await write(batch);
	return outcomes;
}

/** Convenience for one event (webhook): same path as a batch of one. */
export async function applyEvent(event: unknown, ctx: ApplyContext): Promise<Outcome> {
	return (await applyEvents([{ event }], ctx))[0]!;
}

/**
 * Backfill: objects read from list endpoints, true as of at least `asOfSeconds`
 * (the newest event when the listing started), so any event created later still
 * wins over them and any event before loses.
 */
export async function applyObjects(type: StoredObjectType, objects: unknown[], asOfSeconds: number, ctx: ApplyContext): Promise<Outcome[]> {
	const plans = mappingOf(ctx);
	const batch = emptyBatch();
	const outcomes: Outcome[] = [];
	for (let object of objects as Record<string, unknown>[]) {
		const objectId = typeof object?.id === 'string' ? object.id : '';
		if (type === 'invoice') object = await completeInvoiceLines(object, ctx);
		// Listed after every event up to asOf: in a tie with such an event, the listed state wins.
		const version = asOfSeconds * 0x10000 + 0xffff;
		batch.objects.push(objectRow(type, objectId, version, ctx.via, '', object));
		const mapped = objectRows(type, object, { version, via: ctx.via, deleted: object?.deleted === true, plans });
		const raw = JSON.stringify(object).slice(0, RAW_LIMIT);
		if (!mapped.ok) {
			outcomes.push(reject(batch, { ...ctx, fileHash: ctx.fileHash ?? objectId }, { event: object }, objectId, { field: `${type}.${mapped.field}`, reason: `${type}.${mapped.field}: ${stripField(mapped.reason, mapped.field)}` }, raw));
			continue;
		}
		merge(batch.typed, mapped.rows);
		outcomes.push({ kind: 'applied', eventId: objectId, objectType: type });
	}
	if (!ctx.dryRun) await write(batch);
	return outcomes;
}

function stripField(reason: string, field: string): string {
	return reason.startsWith(`${field}: `) ? reason.slice(field.length + 2) : reason;
}

async function completeInvoiceLines(object: Record<string, unknown>, ctx: ApplyContext): Promise<Record<string, unknown>> {
	const lines = object.lines as { has_more?: boolean; data?: unknown[] } | undefined;
	if (!lines?.has_more || !ctx.fetchInvoiceLines || typeof object.id !== 'string') return object;
	const all = await ctx.fetchInvoiceLines(object.id);
	return { ...object, lines: { ...lines, data: all, has_more: false } };
}

function reject(batch: Batch, ctx: ApplyContext, item: EventItem, eventId: string | undefined, issue: { field: string; reason: string }, raw: string): Outcome {
	batch.deadLetters.push({
		source: 'stripe_events',
		file: ctx.file,
		file_hash: ctx.fileHash ?? eventId ?? '',
		line: item.line ?? 0,
		field: issue.field,
		reason: issue.reason,
		raw,
		run_id: ctx.runId
	});
	return { kind: 'rejected', eventId, line: item.line, field: issue.field, reason: issue.reason, raw };
}

function eventRow(ev: { id: string; type: string; created: number }, objectType: string, objectId: string, ctx: ApplyContext, outcome: string): Row {
	return { event_id: ev.id, type: ev.type, created: chTime(ev.created), object_type: objectType, object_id: objectId, via: ctx.via, outcome };
}

function objectRow(type: string, id: string, version: number, via: string, eventId: string, payload: unknown): Row {
	return { object_type: type, object_id: id, version, via, event_id: eventId, payload: JSON.stringify(payload) };
}

function merge(into: TableRows, rows: TableRows) {
	for (const [table, list] of Object.entries(rows) as [keyof TableRows, Row[]][]) (into[table] ??= []).push(...list);
}

async function alreadyApplied(ids: string[]): Promise<Set<string>> {
	if (!ids.length) return new Set();
	const rows = await query<{ event_id: string }>('SELECT DISTINCT event_id FROM stripe_events WHERE event_id IN {ids:Array(String)}', {
		tag: 'stripe:dedup',
		params: { ids: [...new Set(ids)] }
	});
	return new Set(rows.map((r) => r.event_id));
}

async function write(batch: Batch): Promise<void> {
	const wh = await getWarehouse();
	const insert = async (table: string, values: Row[]) => {
		if (values.length) await wh.client.insert({ table, values, format: 'JSONEachRow' });
	};
	await insert('stripe_objects', batch.objects);
	for (const table of typedTables) await insert(table, batch.typed[table] ?? []);
	await insert('dead_letters', await newDeadLetters(batch.deadLetters));
	// The ledger last: if anything above failed, the events are retried, not skipped.
	await insert('stripe_events', batch.events);
}

/**
 * Dead letters not stored yet: re-running a file (or a redelivered webhook)
 * must not repeat them, even for readers that skip FINAL.
 */
async function newDeadLetters(rows: Row[]): Promise<Row[]> {
	if (!rows.length) return rows;
	const hashes = [...new Set(rows.map((r) => String(r.file_hash)))];
	const stored = await query<{ file_hash: string; line: string; field: string }>(
		"SELECT file_hash, toString(line) AS line, field FROM dead_letters WHERE source = 'stripe_events' AND file_hash IN {hashes:Array(String)}",
		{ tag: 'stripe:dead-letters', params: { hashes } }
	);
	const seen = new Set(stored.map((r) => `${r.file_hash}|${r.line}|${r.field}`));
	return rows.filter((r) => {
		const key = `${r.file_hash}|${r.line}|${r.field}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}
