import { error } from '@sveltejs/kit';
import { csvHeader, csvLines } from '../../csv.js';
import { StreamsBusyError } from '../warehouse/stream.js';

/** Rows an export carries at most; the response says when it stopped there. */
export const CSV_ROW_CAP = 200_000;
/** Rows turned into text per chunk when the rows are already in memory. */
const CHUNK_ROWS = 2_000;

export type ExportFormat = 'csv' | 'ndjson';

type Row = Record<string, unknown>;

export interface CsvExport {
	filename: string;
	fields: readonly string[];
	rows: readonly Row[];
	/** Rows that matched before the cap, when known (drill-downs count them). */
	total?: number;
	cap?: number;
}

/**
 * A CSV download of rows already in memory (small results: a metric's
 * aggregated rows, alerts), at most `cap` rows, written chunk by chunk through
 * the same writer as streamed exports (exportResponse).
 */
export function csvResponse(e: CsvExport): Response {
	const cap = e.cap ?? CSV_ROW_CAP;
	const sending = Math.min(e.rows.length, cap);
	return exportResponse({
		format: 'csv',
		filename: e.filename,
		fields: e.fields,
		rows: inChunks(e.rows.slice(0, sending)),
		total: Math.max(e.total ?? e.rows.length, e.rows.length),
		sending,
		cap
	});
}

export interface StreamedExport {
	format: ExportFormat;
	filename: string;
	fields: readonly string[];
	/** The rows, chunk by chunk (warehouse/stream.ts); read once, only as fast as the client takes them. */
	rows: AsyncIterable<readonly Row[]>;
	/** Rows that matched when counted. */
	total: number;
	/** Rows the body carries: what the headers promise. */
	sending: number;
	cap: number;
}

/**
 * An export written as the client reads it: each chunk of rows is turned into
 * text (the one CSV writer, src/lib/csv.ts, or one JSON object per line) only
 * when the response asks for more, so memory is one chunk, not the result.
 * Headers go out before the rows, so they state what was counted just before:
 * `X-Row-Cap`, `X-Rows` (rows in this body), `X-Rows-Total` (rows that
 * matched), `X-Rows-Truncated`. A body that would not match them (the rows ran
 * out early, the warehouse failed or timed out half-way) ends in an error
 * instead of a clean end, so a cut download never looks complete. A client that
 * goes away cancels the body, which stops the warehouse statement.
 */
export function exportResponse(e: StreamedExport): Response {
	const encoder = new TextEncoder();
	const write = e.format === 'csv' ? (rows: readonly Row[]) => csvLines(rows, e.fields) : (rows: readonly Row[]) => ndjsonLines(rows, e.fields);
	const source = e.rows[Symbol.asyncIterator]();
	let sent = -1;
	// Stops the warehouse statement (streamQuery's finally); a failure there has nothing left to tell.
	const finish = () => void source.return?.()?.catch(() => undefined);
	const body = new ReadableStream<Uint8Array>({
		// Each call enqueues something (or ends the body): a call that enqueued nothing would leave the reader waiting for good.
		async pull(controller) {
			if (sent < 0) {
				sent = 0;
				if (e.format === 'csv') return controller.enqueue(encoder.encode(csvHeader(e.fields)));
			}
			for (;;) {
				if (sent >= e.sending) {
					finish();
					return controller.close();
				}
				let next: IteratorResult<readonly Row[]>;
				try {
					next = await source.next();
				} catch (err) {
					return controller.error(err);
				}
				if (next.done) return controller.error(new Error(`The export ended after ${sent} of the ${e.sending} rows its headers announced.`));
				const rows = next.value.length > e.sending - sent ? next.value.slice(0, e.sending - sent) : next.value;
				sent += rows.length;
				if (rows.length) return controller.enqueue(encoder.encode(write(rows)));
			}
		},
		cancel: finish
	});
	return new Response(body, {
		headers: {
			'content-type': e.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
			'content-disposition': `attachment; filename="${e.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
			'x-row-cap': String(e.cap),
			'x-rows': String(e.sending),
			'x-rows-total': String(Math.max(e.total, e.sending)),
			'x-rows-truncated': e.total > e.sending ? '1' : '0'
		}
	});
}

/** One JSON object per line, keys in the order of `fields`. */
function ndjsonLines(rows: readonly Row[], fields: readonly string[]): string {
	let out = '';
	for (const r of rows) out += JSON.stringify(Object.fromEntries(fields.map((f) => [f, r[f] ?? null]))) + '\n';
	return out;
}

async function* inChunks(rows: readonly Row[]): AsyncGenerator<readonly Row[]> {
	for (let at = 0; at < rows.length; at += CHUNK_ROWS) yield rows.slice(at, at + CHUNK_ROWS);
}

/** Array items turned into text per chunk of a JSON response. */
const JSON_CHUNK_ITEMS = 1_000;

/**
 * A JSON object written as the client reads it: `members` first, then each of
 * `lists` as an array produced item by item (a generator), so a long list is
 * never one string or one array in memory.
 */
export function jsonResponse(members: Record<string, unknown>, lists: Record<string, Iterable<unknown>>): Response {
	const encoder = new TextEncoder();
	const parts = jsonParts(members, lists);
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			const next = parts.next();
			if (next.done) controller.close();
			else controller.enqueue(encoder.encode(next.value));
		}
	});
	return new Response(body, { headers: { 'content-type': 'application/json' } });
}

function* jsonParts(members: Record<string, unknown>, lists: Record<string, Iterable<unknown>>): Generator<string> {
	const head = JSON.stringify(members);
	const names = Object.keys(lists);
	if (names.length === 0) return yield head;
	yield head === '{}' ? '{' : `${head.slice(0, -1)},`;
	for (const [i, name] of names.entries()) {
		yield `${JSON.stringify(name)}:[`;
		let chunk: string[] = [];
		let first = true;
		for (const item of lists[name]!) {
			chunk.push(JSON.stringify(item));
			if (chunk.length >= JSON_CHUNK_ITEMS) {
				yield (first ? '' : ',') + chunk.join(',');
				first = false;
				chunk = [];
			}
		}
		yield (first || chunk.length === 0 ? '' : ',') + chunk.join(',') + (i === names.length - 1 ? ']}' : '],');
	}
}

/** For `.catch` on starting an export: too many downloads open at once is a 429 (retry), not a 500. */
export function busyIs429(e: unknown): never {
	if (e instanceof StreamsBusyError) error(429, e.message);
	throw e;
}
