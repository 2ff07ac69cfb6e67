import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestSource, type FileSource, type IngestFormat, type IngestReport, type IngestSource } from '../src/lib/contracts/ingest.js';
import { forgetCurrentDayTables } from '../src/lib/server/metrics/day-tables.js';
import { getWarehouse } from '../src/lib/server/warehouse/index.js';
import { IngestFileError, IngestUsageError } from './errors.js';
import { FastStage } from './fast-path.js';
import { expandPaths, type InputFile } from './files.js';
import { loadWithJavaScript } from './js-path.js';
import { RunLedger, type ErrorBudget, type IngestProgress } from './ledger.js';
import type { LoadContext } from './load-context.js';
import { parquetAsNdjson } from './parquet.js';
import { ingestSettings } from './settings.js';
import { sources, type SourceSpec } from './sources/index.js';
import { loadWithSql } from './sql-path.js';
import { fastPathSql } from './sql-rules.js';
import { compileValidator } from './validate.js';
import { ChunkWriter } from './writer.js';

export type { ErrorBudget, IngestProgress } from './ledger.js';
export { IngestFileError, IngestUsageError } from './errors.js';

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

export function parseMaxErrors(text = '1%'): ErrorBudget {
	const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
	if (!m || (!m[2] && !Number.isInteger(Number(m[1])))) throw new IngestUsageError(`--max-errors ${text}: expected a row count such as 100 or a percentage such as 1%`);
	return { limit: Number(m[1]), percent: m[2] === '%', text };
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

type StripeModule = typeof import('./stripe/events-file.js');

async function ingestStripe(opts: IngestOptions): Promise<IngestReport[]> {
	// Loaded on demand (a literal path, so the app's bundle includes it): file ingest does not load Stripe code.
	const mod = await import('./stripe/events-file.js');
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

/**
 * One file of a file source: the run ledger says whether it resumes or repeats
 * a run, then the SQL path (every format, into the embedded warehouse) or
 * the JavaScript path loads it. A bad file ends in its report, never a throw.
 */
async function ingestFile(
	spec: SourceSpec,
	file: InputFile,
	opts: IngestOptions,
	budget: ErrorBudget,
	fileIndex: number,
	fileCount: number
): Promise<IngestReport> {
	const dry = !!opts.dryRun;
	// Every format into the embedded warehouse: ClickHouse parses and checks the rows (./fast-path.ts, ./parquet.ts).
	// The JavaScript path keeps dry runs, sources whose rules do not render to SQL, and LOOPMETER_INGEST_SQL_CHECKS=0.
	const sqlChecks =
		!dry && fastPathSql(spec) !== undefined && ingestSettings().LOOPMETER_INGEST_SQL_CHECKS === '1' && (await getWarehouse()).mode === 'embedded';
	const ledger = await RunLedger.open(spec, file, { ...opts, fileIndex, fileCount, mayHashBeside: sqlChecks });
	let writer: ChunkWriter | undefined;
	let stage: FastStage | undefined;
	const cleanups: (() => void)[] = [];
	try {
		let path = file.path;
		if (file.format === 'parquet' && !sqlChecks) {
			// The JavaScript path reads NDJSON: ClickHouse rewrites the Parquet file as such first (bounded, see ./parquet.ts).
			const converted = await parquetAsNdjson(ledger.name, file.path);
			path = converted.path;
			cleanups.push(converted.cleanup);
		}
		if (!dry) writer = await ChunkWriter.open(spec, ledger.run.run_id, { rerun: ledger.lettersStored });
		const ctx: LoadContext = {
			spec,
			ledger,
			writer,
			path,
			gzip: file.format !== 'parquet' && file.gzip,
			validate: compileValidator(spec),
			chunkRows: ingestSettings().LOOPMETER_INGEST_CHUNK_ROWS
		};
		if (writer && sqlChecks) {
			// Named after the run (our own UUID), so a resumed run reuses, then removes, the folder of the killed one.
			const dir = join(tmpdir(), `loopmeter-fast-${ledger.run.run_id}`);
			mkdirSync(dir, { recursive: true });
			cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
			stage = await FastStage.open(spec, ledger.run.run_id, dir);
			if (stage) await loadWithSql(ctx, stage, dir);
		}
		if (!stage) await loadWithJavaScript(ctx);
		if (ledger.run.rows_read === 0 && !ledger.resuming) throw new IngestFileError(ledger.name, 'has no data rows');
		if (ledger.resuming && writer) await ledger.recountResumed();
		ledger.judge(budget);
	} catch (e) {
		if (!(e instanceof IngestFileError)) throw e;
		ledger.fail(e.message);
	} finally {
		for (const cleanup of cleanups) cleanup();
		await stage?.close().catch(() => {});
		await writer?.close().catch(() => {});
	}
	return ledger.finish();
}
