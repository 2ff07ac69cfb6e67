import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { IngestReport } from '../src/lib/contracts/ingest.js';
import { hashFile } from '../src/lib/server/files/hash.js';
import type { Lane } from '../src/lib/server/warehouse/index.js';
import { IngestFileError } from './errors.js';
import type { InputFile } from './files.js';
import { anyRunOfSize, deadLetterSummary, finishedBefore, lastRunOf, rowsLoadedBy, saveDeadLetters, saveRun, type DeadLetter, type RunRecord } from './runs.js';
import type { SourceSpec } from './sources/index.js';
import type { Rejection } from './fields.js';

/** Dead letters shown in a report (the rest are in the table). */
const EXAMPLES = 5;

export interface ErrorBudget {
	limit: number;
	percent: boolean;
	text: string;
}

/** What a load calls with progress: the CLI's progress line, the app's upload status. */
export interface IngestProgress {
	source: SourceSpec['source'] | 'stripe_events';
	file: string;
	/** Position among the files of this call, from 1. */
	fileIndex: number;
	files: number;
	bytesDone: number;
	bytesTotal: number;
	rowsRead: number;
	rowsLoaded: number;
	rowsRejected: number;
	elapsedMs: number;
	done: boolean;
}

export interface LedgerOptions {
	/** Name to report and record instead of the path. */
	label?: string;
	dryRun?: boolean;
	actor?: string;
	via?: string;
	onProgress?: (p: IngestProgress) => void;
	fileIndex: number;
	fileCount: number;
	/**
	 * The load may start before the file is hashed (the SQL path): then a file
	 * of a size no run of this source has had is new, and is hashed beside the load.
	 */
	mayHashBeside: boolean;
}

/** What a chunk or a group of chunks added to the run's counts. */
export interface Counts {
	read: number;
	loaded: number;
	duplicate: number;
	rejected: number;
	warned?: number;
	chunks: number;
}

function bump(m: Map<string, number>, k: string, n = 1) {
	m.set(k, (m.get(k) ?? 0) + n);
}

const sorted = (m: Map<string, number>) =>
	[...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => ({ reason, count }));

const now = (ms = Date.now()) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

function safeUser(): string {
	try {
		return userInfo().username;
	} catch {
		return 'unknown';
	}
}

/**
 * One file's run in ingest_runs: its identity (the file's hash), whether it
 * resumes a killed run, its counts, its rejections by reason and its report.
 * The JavaScript and SQL paths only add counts and rejections to it.
 */
export class RunLedger {
	readonly started = Date.now();
	readonly name: string;
	readonly dry: boolean;
	/** Dead letters of this file content are already stored (a finished earlier run, or a dry run): don't write them again. */
	readonly lettersStored: boolean;
	/** Resolves once the file's hash is known (at once, unless hashed beside the load). */
	readonly hashed: Promise<void>;
	readonly run: RunRecord;
	readonly resuming?: RunRecord;
	/** Input bytes read so far (set by the reader). */
	bytesDone = 0;
	/** Records seen so far, counted by the path while it reads (progress only). */
	seen: () => number = () => 0;
	private fileHash: string;
	private byReason = new Map<string, number>();
	private warnings = new Map<string, number>();
	private examples: DeadLetter[] = [];
	/** Columns in the file that the source does not have: reported, not loaded. */
	readonly extraColumns = new Set<string>();

	private constructor(
		readonly spec: SourceSpec,
		readonly file: InputFile,
		private readonly opts: LedgerOptions,
		init: { fileHash: string; hashing: Promise<string>; resuming?: RunRecord; lettersStored: boolean }
	) {
		this.name = opts.label ?? (file.name === '-' ? 'stdin' : file.name);
		this.dry = !!opts.dryRun;
		this.fileHash = init.fileHash;
		this.resuming = init.resuming;
		this.lettersStored = init.lettersStored;
		this.run = init.resuming ? { ...init.resuming, file: this.name, actor: opts.actor ?? init.resuming.actor } : this.newRun();
		this.hashed = init.hashing.then((h) => {
			this.fileHash = this.run.file_hash = h;
		});
		this.hashed.catch(() => {});
	}

	/**
	 * Hashes the file (or starts to, see LedgerOptions.mayHashBeside), finds
	 * the last run of the same content, and records the run as started.
	 */
	static async open(spec: SourceSpec, file: InputFile, opts: LedgerOptions): Promise<RunLedger> {
		const name = opts.label ?? (file.name === '-' ? 'stdin' : file.name);
		const dry = !!opts.dryRun;
		// The file's hash decides resuming and re-run handling, but only a file of the same size can have the same hash.
		// A file no run of this source has had the size of is new: it can start loading at once and be hashed beside the
		// load (2.1 GB: 2.6 s), which fills in the hash before any dead letter or run record needs it (`hashed`).
		// A file that turns unreadable while it loads must end like a reader failure: one line, no stack trace.
		const hashing = hashFile(file.path).catch((e: unknown) => {
			throw new IngestFileError(name, `could not be read: ${(e as Error).message}`);
		});
		hashing.catch(() => {});
		const beside = opts.mayHashBeside && !(await anyRunOfSize(spec.source, file.bytes));
		const fileHash = beside ? '' : await hashing;
		const previous = dry || beside ? undefined : await lastRunOf(spec.source, fileHash);
		const resuming = previous?.outcome === 'running' ? previous : undefined;
		const lettersStored = dry || (!beside && (await finishedBefore(spec.source, fileHash)));
		const ledger = new RunLedger(spec, file, opts, { fileHash, hashing, resuming, lettersStored });
		if (!dry) {
			// A file hashed beside its load is recorded once its hash is known (a run record names its file by it).
			if (beside) ledger.hashed.then(() => saveRun(ledger.run)).catch(() => {});
			else await saveRun(ledger.run);
		}
		return ledger;
	}

	private newRun(): RunRecord {
		return {
			run_id: randomUUID(),
			source: this.spec.source,
			file: this.name,
			file_hash: this.fileHash,
			format: this.file.format,
			bytes: this.file.bytes,
			started_at: now(this.started),
			finished_at: null,
			actor: this.opts.actor ?? safeUser(),
			via: this.opts.via ?? 'cli',
			rows_read: 0,
			rows_loaded: 0,
			rows_duplicate: 0,
			rows_rejected: 0,
			rows_warned: 0,
			chunks_done: 0,
			outcome: 'running',
			message: ''
		};
	}

	/** Records read by the runs this one resumes: the reader skips them. */
	get skipRecords(): number {
		return this.resuming?.rows_read ?? 0;
	}

	/** A refused record: counted by its rule, kept as an example; returns the dead letter to store. */
	reject(rec: { line: number; raw: string }, r: Rejection): DeadLetter {
		const rule = r.field ? `${r.field}: ${r.rule}` : `line ${r.rule}`;
		const letter = { line: rec.line, field: r.field, reason: r.field ? `${r.field}: ${r.message}` : `line ${r.message}`, rule, raw: rec.raw };
		bump(this.byReason, rule);
		if (this.examples.length < EXAMPLES) this.examples.push(letter);
		return letter;
	}

	/** A row that loads with a warning (counted in the run by the path, per chunk). */
	warn(reason: string): void {
		bump(this.warnings, reason);
	}

	/** Stores one chunk's dead letters (unless an earlier run of this content did), once the file's hash is known. */
	async saveLetters(chunk: number, letters: readonly DeadLetter[], db?: Lane): Promise<void> {
		if (this.lettersStored || !letters.length) return;
		await this.hashed;
		await saveDeadLetters({ source: this.spec.source, file: this.name, file_hash: this.fileHash, run_id: this.run.run_id }, chunk, letters, db);
	}

	/** Adds what landed; the caller saves the run when the rows have (the unit of resume). */
	add(c: Counts): void {
		const run = this.run;
		run.rows_read += c.read;
		run.rows_loaded += c.loaded;
		run.rows_duplicate += c.duplicate;
		run.rows_rejected += c.rejected;
		run.rows_warned += c.warned ?? 0;
		run.chunks_done += c.chunks;
	}

	async save(db?: Lane): Promise<void> {
		if (!this.dry) await saveRun(this.run, db);
	}

	progress(done: boolean): void {
		const run = this.run;
		this.opts.onProgress?.({
			source: this.spec.source,
			file: this.name,
			fileIndex: this.opts.fileIndex,
			files: this.opts.fileCount,
			bytesDone: done ? this.file.bytes : this.bytesDone,
			bytesTotal: this.file.bytes,
			rowsRead: done ? run.rows_read : Math.max(run.rows_read, this.seen()),
			rowsLoaded: run.rows_loaded,
			rowsRejected: run.rows_rejected,
			elapsedMs: Date.now() - this.started,
			done
		});
	}

	/**
	 * After a resumed run: a chunk may have landed just before the kill and been
	 * counted as duplicate on the re-run, so the table and the dead letters
	 * (not this process's counts) say what the file added.
	 */
	async recountResumed(): Promise<void> {
		const run = this.run;
		const loaded = await rowsLoadedBy(this.spec.table, run.run_id);
		run.rows_duplicate = run.rows_read - run.rows_rejected - loaded;
		run.rows_loaded = loaded;
		const summary = await deadLetterSummary(this.spec.source, this.fileHash);
		this.byReason = new Map(summary.byReason.map((r) => [r.reason, r.count]));
		this.examples = summary.examples.map((e) => ({ ...e, line: Number(e.line) }));
	}

	/** The outcome of a file read to its end: rejected when rejections exceed the budget. */
	judge(budget: ErrorBudget): void {
		const run = this.run;
		const over = budget.percent ? run.rows_read > 0 && (run.rows_rejected / run.rows_read) * 100 > budget.limit : run.rows_rejected > budget.limit;
		run.outcome = over ? 'rejected' : 'succeeded';
		run.message = over
			? `${run.rows_rejected} of ${run.rows_read} rows rejected, more than --max-errors ${budget.text}; the good rows were loaded`
			: this.resuming
				? `resumed after chunk ${this.resuming.chunks_done}`
				: '';
	}

	fail(message: string): void {
		this.run.outcome = 'failed';
		this.run.message = message;
	}

	/** Records the end of the run and reports it. */
	async finish(): Promise<IngestReport> {
		this.run.finished_at = now();
		// An unreadable file already failed the load with its own message.
		await this.hashed.catch(() => {});
		await this.save();
		this.progress(true);
		return this.report();
	}

	report(): IngestReport {
		const run = this.run;
		return {
			run_id: run.run_id,
			source: this.spec.source,
			file: this.name,
			file_hash: this.fileHash,
			format: this.file.format,
			bytes: this.file.bytes,
			rows_read: run.rows_read,
			rows_loaded: run.rows_loaded,
			rows_duplicate: run.rows_duplicate,
			rows_rejected: run.rows_rejected,
			rows_warned: run.rows_warned,
			rejected_by_reason: sorted(this.byReason),
			warnings_by_reason: sorted(this.warnings),
			examples: this.examples.map((e) => ({ line: e.line, field: e.field, reason: e.reason, raw: e.raw.slice(0, 500) })),
			extra_columns: [...this.extraColumns].sort(),
			duration_ms: Date.now() - this.started,
			outcome: run.outcome,
			message: run.message
		};
	}
}
