import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import {
	ingestSource,
	type FileSource,
	type IngestFormat,
	type IngestReport,
	type IngestSource
} from '../src/lib/contracts/ingest.js';
import { fleetCapacity, fleetOverlaps } from './cross-row.js';
import { fleetRowsWithoutSheet } from './price-sheets.js';
import { IngestFileError, IngestUsageError } from './errors.js';
import { expandPaths, hashFile, type InputFile } from './files.js';
import { parquetAsNdjson } from './parquet.js';
import { FAST_PATH_CHUNK_ROWS, FAST_PATH_CHUNKS_PER_INSERT, ingestSettings, JS_PATH_CHUNK_ROWS, JS_PATH_HEAP_BYTES } from './settings.js';
import { ndjsonRecord, readRecords, type InputRecord } from './read.js';
import { FastStage } from './fast-path.js';
import { fastPathSql } from './sql-rules.js';
import { collectGarbageAbove } from './heap.js';
import { spoolChunks, type SpoolChunk } from './spool.js';
import { anyRunOfSize, deadLetterSummary, finishedBefore, lastRunOf, rowsLoadedBy, saveDeadLetters, saveRun, type DeadLetter, type RunRecord } from './runs.js';
import { sources, type SourceSpec } from './sources/index.js';
import { compileValidator, type Rejection } from './validate.js';
import { ChunkWriter } from './writer.js';
import { getWarehouse, openLane, type Lane } from '../src/lib/server/warehouse/index.js';
import { forgetCurrentDayTables } from '../src/lib/server/metrics/day-tables.js';

export { IngestFileError, IngestUsageError } from './errors.js';

export interface IngestProgress {
	source: IngestSource;
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

export interface IngestOptions {
	source: IngestSource;
	/** Files, directories or '-' (standard input). */
	paths: string[];
	format?: IngestFormat;
	/** Validate and report; write nothing. */
	dryRun?: boolean;
	/** 'N' rows or 'P%' of rows read; more rejections make the run "rejected" (default 1%). */
	maxErrors?: string;
	quiet?: boolean;
	/** Who ran it (CLI user, API token name). */
	actor?: string;
	/** Name to report and record instead of the path (an upload spooled to a temporary file). */
	label?: string;
	/** How the file came in: cli, http, demo… */
	via?: string;
	/** Standard input when a path is '-'. */
	stdin?: NodeJS.ReadableStream;
	onProgress?: (p: IngestProgress) => void;
}

const EXAMPLES = 5;

export interface ErrorBudget {
	limit: number;
	percent: boolean;
	text: string;
}

export function parseMaxErrors(text = '1%'): ErrorBudget {
	const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
	if (!m || (!m[2] && !Number.isInteger(Number(m[1])))) throw new IngestUsageError(`--max-errors ${text}: expected a row count such as 100 or a percentage such as 1%`);
	return { limit: Number(m[1]), percent: m[2] === '%', text };
}

function overBudget(b: ErrorBudget, rejected: number, read: number): boolean {
	return b.percent ? read > 0 && (rejected / read) * 100 > b.limit : rejected > b.limit;
}

/** Loads files of one source; one report per file. Never throws for a bad file: its report says why. */
export async function ingest(opts: IngestOptions): Promise<IngestReport[]> {
	const parsed = ingestSource.safeParse(opts.source);
	if (!parsed.success) throw new IngestUsageError(`unknown source "${opts.source}"; expected one of ${ingestSource.options.join(', ')}`);
	const budget = parseMaxErrors(opts.maxErrors);
	if (opts.source === 'stripe_events') return ingestStripe(opts);
	const files = await expandPaths(opts.paths, opts.format, opts.stdin);
	const reports: IngestReport[] = [];
	try {
		for (const [i, f] of files.entries()) reports.push(await ingestFile(sources[opts.source as FileSource], f, opts, budget, i + 1, files.length));
	} finally {
		for (const f of files) f.cleanup?.();
		// New rows make the day tables stale: this process must not keep reading them for a moment longer.
		forgetCurrentDayTables();
	}
	return reports;
}

type StripeModule = typeof import('../src/lib/server/stripe/events-file.js');

async function ingestStripe(opts: IngestOptions): Promise<IngestReport[]> {
	// Loaded on demand (a literal path, so the app's bundle includes it): file ingest does not load Stripe code.
	const mod = await import('../src/lib/server/stripe/events-file.js');
	const files = await expandPaths(opts.paths, opts.format ?? 'ndjson', opts.stdin);
	const out: IngestReport[] = [];
	try {
		await loadStripe(mod, files, opts, out);
	} finally {
		for (const f of files) f.cleanup?.();
		forgetCurrentDayTables();
	}
	return out;
}

async function loadStripe(mod: StripeModule, files: InputFile[], opts: IngestOptions, out: IngestReport[]): Promise<void> {
	for (const f of files) {
		try {
			const r = await mod.ingestStripeEventsFile(f.path, { dryRun: opts.dryRun, maxErrors: opts.maxErrors, actor: opts.actor, quiet: opts.quiet });
			const name = opts.label ?? (f.name === '-' ? 'stdin' : undefined);
			out.push(name ? { ...r, file: name, message: r.message.replaceAll(f.path, name) } : r);
		} catch (e) {
			// Its own "cannot read this file" error: one line, like every other source.
			if (e instanceof mod.StripeFileError) throw new IngestFileError(opts.label ?? f.name, e.message.replace(`${f.path}: `, ''));
			throw e;
		}
	}
}

interface Tally {
	byReason: Map<string, number>;
	warnings: Map<string, number>;
	examples: DeadLetter[];
	extra: Set<string>;
}

function bump(m: Map<string, number>, k: string, n = 1) {
	m.set(k, (m.get(k) ?? 0) + n);
}

const sorted = (m: Map<string, number>) =>
	[...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([reason, count]) => ({ reason, count }));

async function ingestFile(
	spec: SourceSpec,
	file: InputFile,
	opts: IngestOptions,
	budget: ErrorBudget,
	fileIndex: number,
	fileCount: number
): Promise<IngestReport> {
	const started = Date.now();
	// What the process held before this file (the dashboard's caches, when it runs in the app): the reader may add JS_PATH_HEAP_BYTES.
	const heapLimit = process.memoryUsage().heapUsed + JS_PATH_HEAP_BYTES;
	const name = opts.label ?? (file.name === '-' ? 'stdin' : file.name);
	const dry = !!opts.dryRun;
	// NDJSON (and Parquet, converted to it) into the embedded warehouse: ClickHouse parses and checks the lines (./fast-path.ts).
	// CSV stays on the JavaScript reader: spooling each record as the JSON of its cells for SQL measured no
	// cheaper (35 vs 32 CPU µs a row, 5 M rows) and held more memory.
	const sqlChecks =
		!dry &&
		file.format !== 'csv' &&
		fastPathSql(spec) !== undefined &&
		ingestSettings().LOOPMETER_INGEST_SQL_CHECKS === '1' &&
		(await getWarehouse()).mode === 'embedded';
	// The file's hash decides resuming and re-run handling, but only a file of the same size can have the same hash. A file
	// no run of this source has had the size of is new: on the fast path it then starts loading at once and is hashed beside
	// the load (2.1 GB: 2.6 s), which fills in the hash before any dead letter or run record needs it (`hashed`).
	// A file that turns unreadable while it loads must end like a reader failure: one line, no stack trace.
	const hashing = hashFile(file.path).catch((e: unknown) => {
		throw new IngestFileError(name, `could not be read: ${(e as Error).message}`);
	});
	hashing.catch(() => {});
	const beside = sqlChecks && !(await anyRunOfSize(spec.source, file.bytes));
	let fileHash = beside ? '' : await hashing;
	const previous = dry || beside ? undefined : await lastRunOf(spec.source, fileHash);
	const resuming = previous?.outcome === 'running' ? previous : undefined;
	const lettersStored = dry || (!beside && (await finishedBefore(spec.source, fileHash)));
	const run: RunRecord = resuming
		? { ...resuming, file: name, actor: opts.actor ?? resuming.actor }
		: {
				run_id: randomUUID(),
				source: spec.source,
				file: name,
				file_hash: fileHash,
				format: file.format,
				bytes: file.bytes,
				started_at: new Date(started).toISOString().replace('T', ' ').slice(0, 23),
				finished_at: null,
				actor: opts.actor ?? safeUser(),
				via: opts.via ?? 'cli',
				rows_read: 0,
				rows_loaded: 0,
				rows_duplicate: 0,
				rows_rejected: 0,
				rows_warned: 0,
				chunks_done: 0,
				outcome: 'running',
				message: ''
			};
	const tally: Tally = { byReason: new Map(), warnings: new Map(), examples: [], extra: new Set() };
	const report = (): IngestReport => ({
		run_id: run.run_id,
		source: spec.source,
		file: name,
		file_hash: fileHash,
		format: file.format,
		bytes: file.bytes,
		rows_read: run.rows_read,
		rows_loaded: run.rows_loaded,
		rows_duplicate: run.rows_duplicate,
		rows_rejected: run.rows_rejected,
		rows_warned: run.rows_warned,
		rejected_by_reason: sorted(tally.byReason),
		warnings_by_reason: sorted(tally.warnings),
		examples: tally.examples.map((e) => ({ line: e.line, field: e.field, reason: e.reason, raw: e.raw.slice(0, 500) })),
		extra_columns: [...tally.extra].sort(),
		duration_ms: Date.now() - started,
		outcome: run.outcome,
		message: run.message
	});
	let bytesDone = 0;
	let seen = () => 0;
	const progress = (done: boolean) =>
		opts.onProgress?.({
			source: spec.source,
			file: name,
			fileIndex,
			files: fileCount,
			bytesDone: done ? file.bytes : bytesDone,
			bytesTotal: file.bytes,
			rowsRead: done ? run.rows_read : Math.max(run.rows_read, seen()),
			rowsLoaded: run.rows_loaded,
			rowsRejected: run.rows_rejected,
			elapsedMs: Date.now() - started,
			done
		});

	// A file hashed beside its load is recorded once its hash is known (a run record names its file by it).
	const hashed = hashing.then((h) => {
		fileHash = run.file_hash = h;
	});
	hashed.catch(() => {});
	if (!dry) {
		if (beside) hashed.then(() => saveRun(run)).catch(() => {});
		else await saveRun(run);
	}
	let writer: ChunkWriter | undefined;
	let cleanup = () => {};
	let closeFast = async () => {};
	try {
		let path = file.path;
		if (file.format === 'parquet') {
			const converted = await parquetAsNdjson(name, file.path);
			path = converted.path;
			cleanup = converted.cleanup;
		}
		if (!dry) writer = await ChunkWriter.open(spec, run.run_id, { rerun: lettersStored });
		const validate = compileValidator(spec);
		const capacity = spec.source === 'generation_jobs' ? await fleetCapacity() : undefined;
		const keyIndexes = spec.key.map((k) => spec.columnNames.indexOf(k));
		const known = new Set(spec.columnNames);
		// NDJSON lines (Parquet arrives as NDJSON too) can be loaded as written; CSV rows are rebuilt.
		const passRaw = file.format !== 'csv';
		// Records per chunk: on the JavaScript path the unit of resume and of insert deduplication (the fast path commits groups of chunks, see commitGroup).
		const chunkRows = ingestSettings().LOOPMETER_INGEST_CHUNK_ROWS;
		const chunkSize = spec.wholeFile ? Number.POSITIVE_INFINITY : (chunkRows ?? JS_PATH_CHUNK_ROWS);

		// The chunk being filled: good rows (deduplicated by key within the chunk) and dead letters.
		let rows: unknown[][] = [];
		// The original NDJSON line of a row whose values load as written (else undefined).
		let rawLines: (string | undefined)[] = [];
		let rowLines: number[] = [];
		let keyAt = new Map<string, number>();
		let letters: DeadLetter[] = [];
		let inChunk = 0;
		let chunkDuplicates = 0;
		let chunkRejected = 0;
		let chunkWarned = 0;
		let pending: Promise<void> = Promise.resolve();
		// The fast path's chunks since the last commit; `first` numbers its first chunk (resume-aware: chunks before it landed).
		let group = { first: run.chunks_done, chunks: 0, read: 0, rejected: 0 };
		// The group being committed on the writer's lane while the next one is parsed (see commitGroup).
		let landing: Promise<void> = Promise.resolve();
		// The fast path's dead letters, in chunk order.
		let lettersSaved: Promise<void> = Promise.resolve();
		// The fast path's bookkeeping (dead letters, run records) runs on a connection of its own: on the main one
		// each statement waited in line with the parsing (0.1 % bad rows cost a 5 M-row load ~1.5 s of wall time).
		let books: Lane | undefined;
		let seenRecords = 0;
		let checkedColumns = false;
		const skipped = resuming ? resuming.rows_read : 0;
		seen = () => skipped + seenRecords;

		const reject = (rec: { line: number; raw: string }, r: Rejection) => {
			const rule = r.field ? `${r.field}: ${r.rule}` : `line ${r.rule}`;
			const letter = { line: rec.line, field: r.field, reason: r.field ? `${r.field}: ${r.message}` : `line ${r.message}`, rule, raw: rec.raw };
			letters.push(letter);
			bump(tally.byReason, rule);
			if (tally.examples.length < EXAMPLES) tally.examples.push(letter);
		};

		const flush = async () => {
			if (spec.source === 'gpu_fleet' && rows.length) {
				const fleetRows = rows.map((r) => Object.fromEntries(spec.columnNames.map((c, i) => [c, r[i]])) as never);
				const overlaps = await fleetOverlaps(fleetRows, rowLines);
				for (const [i, r] of await fleetRowsWithoutSheet(fleetRows)) if (!overlaps.has(i)) overlaps.set(i, r);
				if (overlaps.size) {
					const keep: unknown[][] = [];
					const keepRaw: (string | undefined)[] = [];
					const keepLines: number[] = [];
					rows.forEach((r, i) => {
						const o = overlaps.get(i);
						if (o) {
							reject({ line: rowLines[i]!, raw: JSON.stringify(Object.fromEntries(spec.columnNames.map((c, j) => [c, r[j]]))) }, o);
							chunkRejected++;
						} else {
							keep.push(r);
							keepRaw.push(rawLines[i]);
							keepLines.push(rowLines[i]!);
						}
					});
					rows = keep;
					rawLines = keepRaw;
					rowLines = keepLines;
				}
			}
			const chunk = { rows, rawLines, letters, read: inChunk, dup: chunkDuplicates, rej: chunkRejected, warned: chunkWarned };
			rows = [];
			rawLines = [];
			rowLines = [];
			keyAt = new Map();
			letters = [];
			inChunk = 0;
			chunkDuplicates = 0;
			chunkRejected = 0;
			chunkWarned = 0;
			// One chunk is written while the next one is parsed; commits stay in order.
			await pending;
			pending = (async () => {
				if (!writer) {
					// Dry run: count as if every valid row were new.
					Object.assign(run, {
						rows_read: run.rows_read + chunk.read,
						rows_loaded: run.rows_loaded + chunk.rows.length,
						rows_duplicate: run.rows_duplicate + chunk.dup,
						rows_rejected: run.rows_rejected + chunk.rej,
						rows_warned: run.rows_warned + chunk.warned,
						chunks_done: run.chunks_done + 1
					});
					return;
				}
				if (!lettersStored) await saveDeadLetters({ source: spec.source, file: name, file_hash: fileHash, run_id: run.run_id }, run.chunks_done, chunk.letters);
				const loaded = await writer.commit(run.chunks_done, chunk.rows, chunk.rawLines);
				Object.assign(run, {
					rows_read: run.rows_read + chunk.read,
					rows_loaded: run.rows_loaded + loaded,
					rows_duplicate: run.rows_duplicate + chunk.dup + (chunk.rows.length - loaded),
					rows_rejected: run.rows_rejected + chunk.rej,
					rows_warned: run.rows_warned + chunk.warned,
					chunks_done: run.chunks_done + 1
				});
				await saveRun(run);
				collectGarbageAbove(heapLimit);
			})();
			pending.catch(() => {});
		};

		function checkHeader(header: string[]) {
			const missing = spec.requiredColumns.filter((c) => !header.includes(c));
			if (missing.length) throw new IngestFileError(name, `required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the header`);
			for (const h of header) if (!known.has(h)) tally.extra.add(h);
		}

		let fast: FastStage | undefined;
		if (writer && sqlChecks) {
			// Named after the run (our own UUID), so a resumed run reuses, then removes, the folder of the killed one.
			const dir = join(tmpdir(), `loopmeter-fast-${run.run_id}`);
			mkdirSync(dir, { recursive: true });
			const previous = cleanup;
			cleanup = () => {
				previous();
				rmSync(dir, { recursive: true, force: true });
			};
			fast = await FastStage.open(spec, run.run_id, dir);
			if (fast) {
				const stage = fast;
				closeFast = () => stage.close();
				await loadFast(stage, dir);
			}
		}

		/**
		 * One spooled chunk: SQL parses it and accepts the well-formed rows; the
		 * lines it refused (and the reader's own refusals) go through the
		 * JavaScript validator, which writes the dead letters or adds the rows.
		 */
		async function fastChunk(stage: FastStage, c: SpoolChunk, keys: readonly string[]): Promise<void> {
			letters = [];
			let rejected = 0;
			const refusedBySql = await stage.parse(c.path, c.firstLine, keys, c.records - c.refused.length);
			const judged: InputRecord[] = [...c.refused, ...refusedBySql.map((r) => ndjsonRecord(r.line, r.raw))].sort((a, b) => a.line - b.line);
			const accepted: { line: number; row: unknown[] }[] = [];
			for (const rec of judged) {
				if (rec.error) {
					reject(rec, rec.error);
					rejected++;
					continue;
				}
				const v = validate(rec.value!);
				if (v.issues) {
					for (const issue of v.issues) reject(rec, issue);
					rejected++;
				} else accepted.push({ line: rec.line, row: v.row });
			}
			await stage.add(accepted);
			if (!lettersStored && letters.length) {
				// Stored beside the parsing, once the file's hash is known (see `hashed`); commitGroup waits for them.
				const chunk = group.first + group.chunks;
				const chunkLetters = letters;
				lettersSaved = lettersSaved.then(async () => {
					await hashed;
					await saveDeadLetters({ source: spec.source, file: name, file_hash: fileHash, run_id: run.run_id }, chunk, chunkLetters, books);
				});
				lettersSaved.catch(() => {});
			}
			await writer!.addFrom(stage.table);
			await stage.clear();
			group.chunks++;
			group.read += c.records;
			group.rejected += rejected;
			if ((group.first + group.chunks) % FAST_PATH_CHUNKS_PER_INSERT === 0) await commitGroup();
		}

		/**
		 * The chunks added since the last commit land together; the run moves on
		 * only once they have (the unit of resume). The commit runs on the
		 * writer's lane while the next group is parsed; groups land one at a
		 * time and in order, so each commit sees the keys of every group before it.
		 */
		async function commitGroup(): Promise<void> {
			if (!group.chunks) return;
			const g = group;
			group = { first: g.first + g.chunks, chunks: 0, read: 0, rejected: 0 };
			// The run record may say a chunk is done only once its dead letters are stored: a resumed run skips done chunks.
			const stored = lettersSaved;
			await landing;
			landing = writer!.commitPending(g.first).then(async (loaded) => {
				await stored;
				await hashed;
				Object.assign(run, {
					rows_read: run.rows_read + g.read,
					rows_loaded: run.rows_loaded + loaded,
					rows_duplicate: run.rows_duplicate + g.read - g.rejected - loaded,
					rows_rejected: run.rows_rejected + g.rejected,
					chunks_done: run.chunks_done + g.chunks
				});
				await saveRun(run, books);
			});
			landing.catch(() => {});
		}

		async function loadFast(stage: FastStage, dir: string): Promise<void> {
			books = await openLane();
			try {
				await loadChunks(stage, dir);
			} finally {
				// The last group's letters and run record are written before the connection closes.
				await lettersSaved.catch(() => {});
				await books.close().catch(() => {});
				books = undefined;
			}
		}

		async function loadChunks(stage: FastStage, dir: string): Promise<void> {
			let keys: string[] = [];
			const input = {
				file: name,
				path,
				gzip: file.format !== 'parquet' && file.gzip,
				dir,
				chunkRecords: chunkRows ?? FAST_PATH_CHUNK_ROWS,
				skipRecords: skipped,
				onBytes: (b: number) => (bytesDone = b)
			};
			const chunks = spoolChunks(input);
			try {
				for await (const c of chunks) {
					if (!checkedColumns) {
						checkedColumns = true;
						checkNdjsonColumns(spec, name, c.samples);
						keys = Object.keys(c.samples[0] ?? {});
					}
					for (const o of c.samples) for (const k in o) if (!known.has(k)) tally.extra.add(k);
					seenRecords += c.records;
					// The previous chunk's SQL is done before this one starts (and before the spool file it used is rewritten).
					await pending;
					pending = fastChunk(stage, c, keys);
					pending.catch(() => {});
					progress(false);
				}
			} catch (e) {
				// A file cut short (truncated gzip, read error): keep what was read before the break.
				if (e instanceof IngestFileError) {
					await pending;
					await commitGroup();
					await landing;
				}
				throw e;
			} finally {
				await pending.catch(() => {});
				await landing.catch(() => {});
			}
			await pending;
			await commitGroup();
			await landing;
		}

		const records = fast ? undefined : readRecords({
			file: name,
			path,
			format: file.format === 'csv' ? 'csv' : 'ndjson',
			gzip: file.format !== 'parquet' && file.gzip,
			// Records of committed chunks (counted, not recomputed from the chunk size, which may have changed since).
			skipRecords: resuming ? resuming.rows_read : 0,
			onBytes: (b) => (bytesDone = b),
			onHeader: checkHeader
		});
		try {
			for await (const batch of records ?? []) {
				if (!checkedColumns) {
					checkedColumns = true;
					if (file.format !== 'csv') checkNdjsonColumns(spec, name, batch.filter((r) => r.value).map((r) => r.value!));
				}
				for (const rec of batch) {
					seenRecords++;
					inChunk++;
					processRecord(rec);
					if (inChunk >= chunkSize) await flush();
				}
				progress(false);
			}
		} catch (e) {
			// A file cut short (truncated gzip, read error): keep what was read before the break.
			if (e instanceof IngestFileError && inChunk > 0 && checkedColumns) {
				await flush();
				await pending;
			}
			throw e;
		}
		function processRecord(rec: InputRecord) {
			if (rec.error) {
				reject(rec, rec.error);
				chunkRejected++;
				return;
			}
			const value = rec.value!;
			if (file.format !== 'csv' && (seenRecords <= 1000 || seenRecords % 1000 === 0)) {
				for (const k in value) if (!known.has(k)) tally.extra.add(k);
			}
			const v = validate(value);
			if (v.issues) {
				for (const issue of v.issues) reject(rec, issue);
				chunkRejected++;
				return;
			}
			if (capacity) {
				const warning = capacity(value as never);
				if (warning) {
					bump(tally.warnings, warning);
					chunkWarned++;
				}
			}
			const key = keyIndexes.length === 1 ? String(v.row[keyIndexes[0]!]) : JSON.stringify(keyIndexes.map((i) => v.row[i]));
			const at = keyAt.get(key);
			const raw = v.asWritten && passRaw ? rec.raw : undefined;
			if (at === undefined) {
				keyAt.set(key, rows.length);
				rows.push(v.row);
				rawLines.push(raw);
				rowLines.push(rec.line);
			} else {
				chunkDuplicates++;
				// Same key twice in a chunk: events keep the first, "latest wins" sources the later line.
				if (spec.keep === 'latest') {
					rows[at] = v.row;
					rawLines[at] = raw;
					rowLines[at] = rec.line;
				}
			}
		}
		if (inChunk > 0) await flush();
		await pending;
		if (run.rows_read === 0 && !resuming) throw new IngestFileError(name, 'has no data rows');
		if (resuming && writer) {
			// A chunk may have landed just before the kill and been counted as duplicate on the re-run.
			const loaded = await rowsLoadedBy(spec.table, run.run_id);
			run.rows_duplicate = run.rows_read - run.rows_rejected - loaded;
			run.rows_loaded = loaded;
			const summary = await deadLetterSummary(spec.source, fileHash);
			tally.byReason = new Map(summary.byReason.map((r) => [r.reason, r.count]));
			tally.examples = summary.examples.map((e) => ({ ...e, line: Number(e.line) }));
		}
		const over = overBudget(budget, run.rows_rejected, run.rows_read);
		run.outcome = over ? 'rejected' : 'succeeded';
		run.message = over
			? `${run.rows_rejected} of ${run.rows_read} rows rejected, more than --max-errors ${budget.text}; the good rows were loaded`
			: resuming
				? `resumed after chunk ${resuming.chunks_done}`
				: '';
	} catch (e) {
		if (!(e instanceof IngestFileError)) throw e;
		run.outcome = 'failed';
		run.message = e.message;
	} finally {
		cleanup();
		await closeFast().catch(() => {});
		await writer?.close().catch(() => {});
	}
	run.finished_at = new Date().toISOString().replace('T', ' ').slice(0, 23);
	// An unreadable file already failed the load with its own message.
	await hashed.catch(() => {});
	if (!dry) await saveRun(run);
	progress(true);
	return report();
}

/** A column absent from every record of the first batch is missing from the file, not from some rows. */
function checkNdjsonColumns(spec: SourceSpec, name: string, objects: Record<string, unknown>[]): void {
	if (!objects.length) return;
	const missing = spec.requiredColumns.filter((c) => objects.every((o) => o[c] === undefined));
	if (missing.length) {
		throw new IngestFileError(name, `required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing (absent from all of the first ${objects.length} records)`);
	}
}

function safeUser(): string {
	try {
		return userInfo().username;
	} catch {
		return 'unknown';
	}
}

