import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getWarehouse, query } from '../src/lib/server/warehouse/index.js';
import { bindStream } from '../src/lib/server/warehouse/stream.js';
import { IngestFileError } from './errors.js';
import { ingestSettings, PARQUET_MIN_SPOOL_BYTES, type IngestSettings } from './settings.js';
import type { SourceSpec } from './sources/index.js';
import type { SpoolChunk } from './spool.js';
import { PARQUET_JSON_SETTINGS, parquetPathSql } from './sql-rules.js';

/**
 * Parquet for the JavaScript path (dry runs, and sources whose rules do not
 * render to SQL; the SQL path reads it in place, see parquetChunks below).
 * Parquet is columnar and binary, so it is not validated in place: ClickHouse
 * (the embedded engine, which reads Parquet at ~2 M rows/s) rewrites it as
 * NDJSON next to it, and the NDJSON path validates it line by line (line =
 * row number). Times come out as ISO-8601 UTC, which the validator accepts.
 * Its reader's memory is capped (256 MiB watermark, no row-group prefetch)
 * and it reads one row group at a time on one thread: with the defaults,
 * converting 5 M rows (1 M-row row groups) peaked at 1.42 GiB RSS; with the
 * watermark alone 0.86 GiB, but 1.01 GiB on a file of more repetitive
 * values (68 MB for 5 M rows); on one thread 0.64 GiB, in 11.7 s instead of
 * 6.8 s (2026-11-26).
 *
 * The rewrite is bounded: an 8 KB Parquet of repetitive rows expanded to
 * 200 MB of NDJSON, and a crafted one could fill the disk. ClickHouse's read
 * limits (max_bytes_to_read …) count the compressed input and did not stop
 * it, so the NDJSON is streamed out of the engine chunk by chunk (chDB's
 * queryStream, about 16 MB a chunk) and written here, counting bytes: past
 * parquetSpoolCap the stream is cancelled (which stops the engine between
 * chunks) and the file is refused. LOOPMETER_PARQUET_TIMEOUT_S bounds the
 * time, both in the engine (max_execution_time) and between chunks.
 *
 * Returns the NDJSON path and a cleanup function.
 */
export async function parquetAsNdjson(name: string, path: string, settings: IngestSettings = ingestSettings()): Promise<{ path: string; cleanup: () => void }> {
	const wh = await getWarehouse();
	if (wh.mode !== 'embedded' || !wh.dataDir) {
		throw new IngestFileError(name, 'Parquet files are loaded through the embedded warehouse only; convert it to NDJSON or CSV for a ClickHouse server');
	}
	const dir = mkdtempSync(join(tmpdir(), 'loopmeter-parquet-'));
	const out = join(dir, 'rows.ndjson');
	const cleanup = () => rmSync(dir, { recursive: true, force: true });
	try {
		await convert(wh.dataDir, path, out, { name, cap: parquetSpoolCap(statSync(path).size, settings), timeoutS: settings.LOOPMETER_PARQUET_TIMEOUT_S });
	} catch (e) {
		cleanup();
		throw e;
	}
	return { path: out, cleanup };
}

/** How many bytes of NDJSON a Parquet file of `parquetBytes` may become. */
export function parquetSpoolCap(parquetBytes: number, settings: IngestSettings = ingestSettings()): number {
	const relative = Math.max(PARQUET_MIN_SPOOL_BYTES, Math.ceil(parquetBytes * settings.LOOPMETER_PARQUET_MAX_EXPANSION));
	return Math.min(settings.LOOPMETER_PARQUET_MAX_NDJSON_BYTES, relative);
}

const MB = (n: number) => `${Math.round(n / 2 ** 20)} MB`;

async function convert(dataDir: string, path: string, out: string, limit: { name: string; cap: number; timeoutS: number }): Promise<void> {
	const deadline = performance.now() + limit.timeoutS * 1000;
	const tooSlow = () => new IngestFileError(limit.name, `took longer than ${limit.timeoutS} s to convert from Parquet and was stopped (LOOPMETER_PARQUET_TIMEOUT_S); split the file or raise the limit`);
	// Imported here, as in the warehouse module: the native library must not load during `vite build`.
	const { Session } = await import('chdb');
	// A connection of its own to the open engine: one stream at a time per connection, and cancelling it leaves the others alone.
	const session = new Session(dataDir);
	const file = createWriteStream(out);
	let written = 0;
	try {
		// Parameters through bindStream: set on this session only, never through chDB's process-wide binder.
		const stream = await bindStream(
			session,
			`SELECT * FROM file({path:String}, 'Parquet')
			 SETTINGS date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 0, output_format_json_quote_decimals = 1,
			 max_execution_time = ${limit.timeoutS}, input_format_parquet_memory_high_watermark = 268435456, input_format_parquet_enable_row_group_prefetch = 0,
			 max_threads = 1, max_parsing_threads = 1`,
			{ path },
			undefined
		);
		try {
			for await (const chunk of stream) {
				written += chunk.numBytes;
				if (written > limit.cap) {
					throw new IngestFileError(
						limit.name,
						`expands to more than ${MB(limit.cap)} of rows when converted from Parquet and was refused (at most LOOPMETER_PARQUET_MAX_EXPANSION times the file, and LOOPMETER_PARQUET_MAX_NDJSON_BYTES in all); split the file or raise the limits`
					);
				}
				await writeChunk(file, chunk.raw());
				if (performance.now() > deadline) throw tooSlow();
			}
		} finally {
			// Stops the engine between chunks when we leave early; a no-op after the last chunk.
			stream.cancel();
		}
		await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
	} catch (e) {
		file.destroy();
		if (e instanceof IngestFileError) throw e;
		const err = e as Error & { code?: string };
		if (err.code === 'ENOSPC') throw new IngestFileError(limit.name, `could not be converted from Parquet: the temporary directory ${tmpdir()} is full`);
		const msg = (err.message ?? String(e)).split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
		if (/TIMEOUT_EXCEEDED|Timeout exceeded/i.test(msg)) throw tooSlow();
		throw new IngestFileError(limit.name, `is not a readable Parquet file (${msg.slice(0, 200)})`);
	} finally {
		session.close();
	}
}

/** Writes with backpressure: the engine is asked for the next chunk only once this one is on its way to disk. */
async function writeChunk(file: WriteStream, bytes: Uint8Array): Promise<void> {
	if (!file.write(bytes)) await Promise.race([once(file, 'drain'), once(file, 'error').then(([e]) => Promise.reject(e as Error))]);
}

/** A chunk file is closed at this many bytes of checked rows even before it has its rows (a crafted file of huge repeated values). */
const PARQUET_CHUNK_MAX_BYTES = 256 * 2 ** 20;

export interface ParquetChunksOptions {
	name: string;
	path: string;
	spec: SourceSpec;
	/** Where chunk files go (two names, alternating: one is loaded while the next is written). */
	dir: string;
	chunkRows: number;
	/** Rows of committed chunks (resuming): read from this row on. */
	skipRecords: number;
	/** The file's columns the source does not have (reported, not loaded). */
	onExtraColumns: (names: string[]) => void;
	settings?: IngestSettings;
}

/**
 * Parquet on the SQL path: ClickHouse reads the file's typed columns and
 * checks every row by the source's rules (sql-rules.ts parquetPathSql) in
 * one streamed statement on a connection of its own, and the checked rows
 * (`_line`, `_refused`, `_raw`, the columns) arrive here in ClickHouse's
 * Native format, block by block, into chunk files that ./fast-path.ts loads
 * into its stage; nothing is rewritten as text. The engine reads on when the
 * next block is asked for, so at most two chunk files exist at once, each
 * closed at `chunkRows` rows or PARQUET_CHUNK_MAX_BYTES: memory and disk stay
 * bounded whatever the file's size or compression (the NDJSON rewrite's
 * expansion cap is not needed on this path). One thread, rows in file order:
 * a chunk is a range of row numbers, so a resumed run starts at the first
 * row after the committed chunks. LOOPMETER_PARQUET_TIMEOUT_S bounds how long
 * the engine may take to deliver one block.
 */
export async function* parquetChunks(opts: ParquetChunksOptions): AsyncGenerator<SpoolChunk> {
	const settings = opts.settings ?? ingestSettings();
	const { spec, name } = opts;
	const wh = await getWarehouse();
	if (wh.mode !== 'embedded' || !wh.dataDir) throw new IngestFileError(name, 'Parquet files are loaded through the embedded warehouse only');
	const types = await parquetColumns(name, opts.path);
	const columns = [...types.keys()];
	const missing = spec.requiredColumns.filter((c) => !columns.includes(c));
	if (missing.length) throw new IngestFileError(name, `required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the Parquet file's columns`);
	opts.onExtraColumns(columns.filter((c) => !spec.columnNames.includes(c)));
	const sql = parquetPathSql(spec, new Map(spec.columnNames.filter((c) => types.has(c)).map((c) => [c, types.get(c)!])));
	if (!sql) throw new Error(`source ${spec.source} has no SQL rules: its Parquet files go through parquetAsNdjson`);
	const { Session } = await import('chdb');
	const session = new Session(wh.dataDir);
	let chunkIndex = 0;
	let file: WriteStream | undefined;
	let rows = 0;
	let bytes = 0;
	const timeoutS = settings.LOOPMETER_PARQUET_TIMEOUT_S;
	const chunkPath = () => join(opts.dir, `chunk-${chunkIndex % 2}.native`);
	const take = async (): Promise<SpoolChunk> => {
		const path = chunkPath();
		await new Promise<void>((resolve, reject) => file!.end((e?: Error | null) => (e ? reject(e) : resolve())));
		file = undefined;
		chunkIndex++;
		const chunk = { path, firstLine: 0, records: rows, refused: [], samples: [] };
		rows = 0;
		bytes = 0;
		return chunk;
	};
	try {
		// One thread reads the row groups in order (and keeps the reader's memory down, see parquetAsNdjson); the checks run in the same statement.
		const stream = await bindStream(
			session,
			`${sql}
			 SETTINGS ${PARQUET_JSON_SETTINGS}, input_format_parquet_memory_high_watermark = 268435456, input_format_parquet_enable_row_group_prefetch = 0,
			 input_format_parquet_preserve_order = 1, max_threads = 1, max_parsing_threads = 1`,
			{ path: opts.path, skip: opts.skipRecords },
			undefined,
			'Native'
		);
		try {
			let asked = performance.now();
			for await (const block of stream) {
				if (performance.now() - asked > timeoutS * 1000) throw tooSlow(name, timeoutS);
				if (block.numRows > 0) {
					file ??= createWriteStream(chunkPath());
					await writeChunk(file, block.raw());
					rows += block.numRows;
					bytes += block.numBytes;
					if (rows >= opts.chunkRows || bytes >= PARQUET_CHUNK_MAX_BYTES) yield await take();
				}
				asked = performance.now();
			}
		} finally {
			stream.cancel();
		}
		if (rows > 0) yield await take();
	} catch (e) {
		file?.destroy();
		throw asParquetError(name, e, timeoutS);
	} finally {
		session.close();
	}
}

const tooSlow = (name: string, timeoutS: number) =>
	new IngestFileError(name, `took longer than ${timeoutS} s to read a block of rows from Parquet and was stopped (LOOPMETER_PARQUET_TIMEOUT_S); split the file or raise the limit`);

/** An engine or disk error as the file's one-line error; ours pass through. */
function asParquetError(name: string, e: unknown, timeoutS: number): unknown {
	if (e instanceof IngestFileError) return e;
	const err = e as Error & { code?: string };
	if (err.code === 'ENOSPC') return new IngestFileError(name, `could not be read: the temporary directory ${tmpdir()} is full`);
	const msg = (err.message ?? String(e)).split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
	if (/TIMEOUT_EXCEEDED|Timeout exceeded/i.test(msg)) return tooSlow(name, timeoutS);
	return new IngestFileError(name, `is not a readable Parquet file (${msg.slice(0, 200)})`);
}

/** The columns of a Parquet file and their ClickHouse types (its schema, read from the footer). */
async function parquetColumns(name: string, path: string): Promise<Map<string, string>> {
	try {
		const rows = await query<{ name: string; type: string }>(`DESCRIBE TABLE file({path:String}, 'Parquet')`, { tag: 'ingest.parquet.describe', params: { path } });
		return new Map(rows.map((r) => [r.name, r.type]));
	} catch (e) {
		throw asParquetError(name, e, 0);
	}
}
