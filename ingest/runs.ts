import type { IngestFormat, IngestOutcome, IngestSource } from '../src/lib/contracts/ingest.js';
import { mainStatements, query, type Statements } from '../src/lib/server/warehouse/index.js';
import { RULE_SQL } from '../src/lib/server/ingest-runs/rule-sql.js';
import type { RunRow } from '../src/lib/server/ingest-runs/index.js';
import { clickhouseTime } from './fields.js';

/**
 * One row of ingest_runs: what a run did so far. Rewritten after every chunk (latest updated_at wins).
 * The fields the read side lists (RunRow), typed by their enums here, plus the chunks done; the
 * duration is the read side's, computed from the times.
 */
export interface RunRecord extends Omit<RunRow, 'source' | 'format' | 'outcome' | 'duration_ms'> {
	source: IngestSource;
	format: IngestFormat;
	outcome: IngestOutcome;
	chunks_done: number;
}

let lastUpdate = 0;

/** Strictly increasing version so two writes in the same millisecond still order. */
function nextVersion(): string {
	lastUpdate = Math.max(Date.now(), lastUpdate + 1);
	return clickhouseTime(lastUpdate);
}

/** `db`: where the statement runs (plain SQL, so it may go on a lane of its own). */
export async function saveRun(run: RunRecord, db: Statements = mainStatements): Promise<void> {
	const row = { ...run, updated_at: nextVersion() };
	await db.command(`INSERT INTO ingest_runs FORMAT JSONEachRow\n${JSON.stringify(row)}`, { tag: 'ingest.runs.save' });
}

const NUMERIC = ['bytes', 'rows_read', 'rows_loaded', 'rows_duplicate', 'rows_rejected', 'rows_warned', 'chunks_done'] as const;

/** The latest run of this exact file content for this source, if any. */
export async function lastRunOf(source: IngestSource, fileHash: string): Promise<RunRecord | undefined> {
	const rows = await query<Record<string, unknown>>(
		`SELECT * FROM ingest_runs FINAL WHERE source = {source:String} AND file_hash = {hash:String}
		 ORDER BY started_at DESC LIMIT 1 SETTINGS output_format_json_quote_64bit_integers = 0`,
		{ tag: 'ingest.runs.last', params: { source, hash: fileHash } }
	);
	const r = rows[0];
	if (!r) return undefined;
	for (const k of NUMERIC) r[k] = Number(r[k]);
	return r as unknown as RunRecord;
}

/** Whether some run of this source read a file of exactly this many bytes: only such a file can have the same content (hash). */
export async function anyRunOfSize(source: IngestSource, bytes: number): Promise<boolean> {
	const rows = await query<{ n: number }>(`SELECT count() AS n FROM ingest_runs FINAL WHERE source = {source:String} AND bytes = {bytes:UInt64}`, {
		tag: 'ingest.runs.size',
		params: { source, bytes }
	});
	return Number(rows[0]?.n ?? 0) > 0;
}

/** Whether some earlier run of this file content finished: its dead letters are already stored. */
export async function finishedBefore(source: IngestSource, fileHash: string): Promise<boolean> {
	const rows = await query<{ n: number }>(
		`SELECT count() AS n FROM ingest_runs FINAL WHERE source = {source:String} AND file_hash = {hash:String} AND outcome != 'running'`,
		{ tag: 'ingest.runs.finished', params: { source, hash: fileHash } }
	);
	return Number(rows[0]?.n ?? 0) > 0;
}

export interface DeadLetter {
	line: number;
	field: string;
	reason: string;
	/** `reason` without the offending value: what rejections are counted by. */
	rule?: string;
	raw: string;
}

/**
 * Dead letters of one chunk; the token (run + chunk) makes re-sending them after a kill a no-op.
 * `db`: where the statement runs (plain SQL, so it may go on a lane of its own).
 */
export async function saveDeadLetters(
	base: { source: IngestSource; file: string; file_hash: string; run_id: string },
	chunk: number,
	letters: readonly DeadLetter[],
	db: Statements = mainStatements
): Promise<void> {
	if (!letters.length) return;
	let body = '';
	for (const l of letters) body += `${JSON.stringify({ ...base, ...l })}\n`;
	const token = `${base.run_id}:dead:${chunk}`;
	await db.command(
		`INSERT INTO dead_letters (source, file, file_hash, run_id, line, field, reason, rule, raw) SETTINGS insert_deduplication_token = '${token}' FORMAT JSONEachRow\n${body}`,
		{ tag: 'ingest.dead_letters.save' }
	);
}

/** Rejections of a file by reason and its first examples, from the table (used when a run resumed). */
export async function deadLetterSummary(source: IngestSource, fileHash: string) {
	const params = { source, hash: fileHash };
	const byReason = await query<{ reason: string; count: string }>(
		`SELECT ${RULE_SQL} AS reason_rule, reason_rule AS reason, toString(count()) AS count
		 FROM dead_letters FINAL WHERE source = {source:String} AND file_hash = {hash:String}
		 GROUP BY reason_rule ORDER BY count() DESC, reason_rule`,
		{ tag: 'ingest.dead_letters.summary', params }
	);
	const examples = await query<DeadLetter>(
		`SELECT toUInt32(line) AS line, field, reason, raw FROM dead_letters FINAL
		 WHERE source = {source:String} AND file_hash = {hash:String} ORDER BY line, field LIMIT 5`,
		{ tag: 'ingest.dead_letters.examples', params }
	);
	return { byReason: byReason.map((r) => ({ reason: r.reason, count: Number(r.count) })), examples };
}

/** Rows a run put into its table (exact after a resume, where a chunk may have landed before the kill). */
export async function rowsLoadedBy(table: string, runId: string): Promise<number> {
	// A full scan of the table's run-id column: exempt from the dashboard timeout (only after a resume).
	const rows = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${table} WHERE ingest_run_id = {run:String} SETTINGS max_execution_time = 0`, {
		tag: 'ingest.runs.loaded',
		params: { run: runId }
	});
	return Number(rows[0]?.n ?? 0);
}
