/**
 * `ingestStripeEventsFile(path, opts)` — loads an NDJSON file of Stripe `event`
 * objects (one per line, optionally .gz; e.g. `stripe events list` output or the
 * demo's revenue) through applyEvents, the same code path as the webhook and
 * `loopmeter stripe sync`.
 *
 * GUARANTEES
 * - Handles customer.*, product.*, price.*, customer.subscription.*, invoice.*
 *   (lines included; invoice.paid / invoice.payment_succeeded make lines count
 *   as revenue), credit_note.*, charge.* and refund.* events; other types are
 *   acknowledged and counted as warnings ("carries no object Loopmeter uses").
 * - Order-independent: the newest state of each object (by event `created`) wins.
 * - Idempotent: an event id already applied (by any channel) is a duplicate and
 *   changes nothing; loading the same file twice changes nothing.
 * - A bad line (not JSON, not an event, a needed field missing, a line or item in
 *   another currency than its object) goes to dead_letters (source `stripe_events`) with its line, field
 *   and reason; good lines still land. `maxErrors` ("100" or "2%") stops the run
 *   once more lines than that were rejected (outcome `failed`; what landed stays,
 *   and re-running after a fix is safe).
 * - `dryRun` validates and reports without writing anything.
 * - Writes one ingest_runs row (source `stripe_events`) and returns an IngestReport.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';
import { getWarehouse } from '../../src/lib/server/warehouse/index.js';
import { applyEvents, type EventItem, type Outcome } from './apply.js';
import { chTime } from './version.js';
import { hashFile } from '../../src/lib/server/files/hash.js';

export interface StripeFileOptions {
	dryRun?: boolean;
	/** Stop after more than this many rejected lines: a count ("100") or a share ("2%"). */
	maxErrors?: string;
	quiet?: boolean;
	actor?: string;
}

const CHUNK = 1000;
const EXAMPLES = 20;

export class StripeFileError extends Error {}

export async function ingestStripeEventsFile(path: string, opts: StripeFileOptions = {}): Promise<IngestReport> {
	const file = resolve(path);
	let bytes: number;
	try {
		bytes = statSync(file).size;
	} catch {
		throw new StripeFileError(`${path}: no such file`);
	}
	const limit = parseMaxErrors(opts.maxErrors);
	const started = Date.now();
	const runId = `stripe_events-${randomUUID()}`;
	const fileHash = await hashFile(file);
	const report: IngestReport = {
		run_id: runId, source: 'stripe_events', file, file_hash: fileHash, format: 'ndjson', bytes,
		rows_read: 0, rows_loaded: 0, rows_duplicate: 0, rows_rejected: 0, rows_warned: 0,
		rejected_by_reason: [], warnings_by_reason: [], examples: [], extra_columns: [],
		duration_ms: 0, outcome: 'running', message: ''
	};
	if (!opts.dryRun) await recordRun(report, started, opts.actor);

	const rejected = new Map<string, number>();
	const warned = new Map<string, number>();
	const tally = (outcomes: Outcome[]) => {
		for (const o of outcomes) {
			if (o.kind === 'applied') report.rows_loaded++;
			else if (o.kind === 'duplicate') report.rows_duplicate++;
			else if (o.kind === 'ignored') {
				report.rows_warned++;
				const reason = o.reason.replace(/event type \S+/, 'event type');
				warned.set(reason, (warned.get(reason) ?? 0) + 1);
			} else {
				report.rows_rejected++;
				const reason = o.reason.replace(/"[^"]*"/g, '"…"');
				rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
				if (report.examples.length < EXAMPLES) report.examples.push({ line: o.line ?? 0, field: o.field, reason: o.reason, raw: o.raw.slice(0, 500) });
			}
		}
	};

	const ctx = { via: 'file' as const, runId, file, fileHash, dryRun: opts.dryRun };
	let chunk: EventItem[] = [];
	let lineNo = 0;
	let stopped = false;
	const input = createReadStream(file);
	const lines = createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
	try {
		for await (const text of lines) {
			lineNo++;
			if (!text.trim()) continue;
			report.rows_read++;
			try {
				chunk.push({ event: JSON.parse(text), line: lineNo, raw: text });
			} catch (e) {
				// Dead-lettered by applyEvents like any other bad event, in line order.
				chunk.push({ event: null, line: lineNo, raw: text, parseError: (e as Error).message });
			}
			if (chunk.length >= CHUNK) {
				tally(await applyEvents(chunk, ctx));
				chunk = [];
				if (exceeded(report, limit)) {
					stopped = true;
					break;
				}
			}
		}
		if (!stopped && chunk.length) tally(await applyEvents(chunk, ctx));
	} catch (e) {
		report.outcome = 'failed';
		report.message = `${path}: ${(e as Error).message}`;
		report.duration_ms = Date.now() - started;
		if (!opts.dryRun) await recordRun(report, started, opts.actor, true);
		throw e;
	} finally {
		lines.close();
		input.destroy();
	}

	report.rejected_by_reason = [...rejected].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
	report.warnings_by_reason = [...warned].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
	stopped ||= exceeded(report, limit);
	report.outcome = stopped ? 'failed' : 'succeeded';
	report.message = stopped
		? `${path}: stopped after ${report.rows_rejected} rejected line(s) (more than --max-errors ${opts.maxErrors}); ${report.rows_loaded} event(s) applied before stopping. Fix the lines listed in dead_letters and load again: applied events are skipped.`
		: `${path}: ${report.rows_loaded} event(s) applied, ${report.rows_duplicate} already applied, ${report.rows_rejected} rejected, ${report.rows_warned} ignored${opts.dryRun ? ' (dry run: nothing written)' : ''}.`;
	report.duration_ms = Date.now() - started;
	if (!opts.dryRun) await recordRun(report, started, opts.actor, true);
	return report;
}

function parseMaxErrors(v: string | undefined): { count?: number; share?: number } {
	if (v === undefined) return {};
	const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v.trim());
	if (!m) throw new StripeFileError(`--max-errors ${v}: expected a count like 100 or a share like 2%`);
	return m[2] ? { share: Number(m[1]) / 100 } : { count: Number(m[1]) };
}

function exceeded(r: IngestReport, limit: { count?: number; share?: number }): boolean {
	if (limit.count !== undefined) return r.rows_rejected > limit.count;
	if (limit.share !== undefined) return r.rows_read > 0 && r.rows_rejected / r.rows_read > limit.share;
	return false;
}

async function recordRun(r: IngestReport, started: number, actor = 'cli', finished = false): Promise<void> {
	const wh = await getWarehouse();
	await wh.client.insert({
		table: 'ingest_runs',
		format: 'JSONEachRow',
		values: [
			{
				run_id: r.run_id, source: r.source, file: r.file, file_hash: r.file_hash, format: r.format, bytes: r.bytes,
				started_at: chTime(started / 1000), finished_at: finished ? chTime(Date.now() / 1000) : null,
				actor, via: 'stripe_events', rows_read: r.rows_read, rows_loaded: r.rows_loaded, rows_duplicate: r.rows_duplicate,
				rows_rejected: r.rows_rejected, rows_warned: r.rows_warned, chunks_done: 0, outcome: r.outcome, message: r.message
			}
		]
	});
}
