import { checkCsvHeader, checkNdjsonColumns } from './columns.js';
import { IngestFileError } from './errors.js';
import { collectGarbageAbove } from './heap.js';
import type { LoadContext } from './load-context.js';
import { readRecords, type InputRecord } from './read.js';
import type { DeadLetter } from './runs.js';
import { JS_PATH_CHUNK_ROWS, JS_PATH_HEAP_BYTES } from './settings.js';

/** The chunk being filled: good rows (deduplicated by key within the chunk) and dead letters. */
class Chunk {
	rows: unknown[][] = [];
	/** The original NDJSON line of a row whose values load as written (else undefined). */
	rawLines: (string | undefined)[] = [];
	lines: number[] = [];
	keyAt = new Map<string, number>();
	letters: DeadLetter[] = [];
	read = 0;
	duplicates = 0;
	rejected = 0;
	warned = 0;
}

/**
 * Sources whose rules are not SQL, dry runs, and any file when the SQL checks are off: every
 * record is parsed and validated here, and committed chunk by chunk (the
 * unit of resume and of insert deduplication). One chunk is written while
 * the next one is parsed; commits stay in order.
 */
/** A validated row (values in column order) as the object the per-source hooks read. */
const rowObject = (columns: readonly string[], row: readonly unknown[]) => Object.fromEntries(columns.map((col, j) => [col, row[j]]));

export async function loadWithJavaScript(ctx: LoadContext): Promise<void> {
	const { spec, ledger, writer, validate } = ctx;
	const csv = ledger.file.format === 'csv';
	// What the process held before this file (the dashboard's caches, when it runs in the app): the reader may add JS_PATH_HEAP_BYTES.
	const heapLimit = process.memoryUsage().heapUsed + JS_PATH_HEAP_BYTES;
	const warningOf = spec.hooks?.rowWarnings ? await spec.hooks.rowWarnings() : undefined;
	const keyIndexes = spec.key.map((k) => spec.columnNames.indexOf(k));
	const known = new Set(spec.columnNames);
	// NDJSON lines (Parquet arrives as NDJSON too) can be loaded as written; CSV rows are rebuilt.
	const passRaw = !csv;
	const chunkSize = spec.wholeFile ? Number.POSITIVE_INFINITY : (ctx.chunkRows ?? JS_PATH_CHUNK_ROWS);
	let chunk = new Chunk();
	let pending: Promise<void> = Promise.resolve();
	let seenRecords = 0;
	let checkedColumns = false;
	const skipped = ledger.skipRecords;
	ledger.seen = () => skipped + seenRecords;

	const reject = (rec: { line: number; raw: string }, r: Parameters<typeof ledger.reject>[1]) => chunk.letters.push(ledger.reject(rec, r));

	/** Rows refused because of other rows of the file (per-source hook), taken out before the chunk lands. */
	async function dropCrossRowRejections(c: Chunk): Promise<void> {
		const check = spec.hooks?.crossRowRejections;
		if (!check || !c.rows.length) return;
		const asObject = (r: unknown[]) => rowObject(spec.columnNames, r);
		const refused = await check(c.rows.map(asObject), c.lines);
		if (!refused.size) return;
		const keep = new Chunk();
		c.rows.forEach((r, i) => {
			const issue = refused.get(i);
			if (issue) {
				c.letters.push(ledger.reject({ line: c.lines[i]!, raw: JSON.stringify(asObject(r)) }, issue));
				c.rejected++;
			} else {
				keep.rows.push(r);
				keep.rawLines.push(c.rawLines[i]);
				keep.lines.push(c.lines[i]!);
			}
		});
		c.rows = keep.rows;
		c.rawLines = keep.rawLines;
		c.lines = keep.lines;
	}

	async function flush(): Promise<void> {
		const c = chunk;
		await dropCrossRowRejections(c);
		chunk = new Chunk();
		await pending;
		pending = commit(c);
		pending.catch(() => {});
	}

	async function commit(c: Chunk): Promise<void> {
		const chunkNumber = ledger.run.chunks_done;
		// Dry run: count as if every valid row were new.
		const loaded = writer ? (await ledger.saveLetters(chunkNumber, c.letters), await writer.commit(chunkNumber, c.rows, c.rawLines)) : c.rows.length;
		ledger.add({ read: c.read, loaded, duplicate: c.duplicates + (c.rows.length - loaded), rejected: c.rejected, warned: c.warned, chunks: 1 });
		if (!writer) return;
		await ledger.save();
		collectGarbageAbove(heapLimit);
	}

	function processRecord(rec: InputRecord) {
		const c = chunk;
		if (rec.error) {
			reject(rec, rec.error);
			c.rejected++;
			return;
		}
		const value = rec.value!;
		if (!csv && (seenRecords <= 1000 || seenRecords % 1000 === 0)) {
			for (const k in value) if (!known.has(k)) ledger.extraColumns.add(k);
		}
		const v = validate(value);
		if (v.issues) {
			for (const issue of v.issues) reject(rec, issue);
			c.rejected++;
			return;
		}
		const warning = warningOf?.(rowObject(spec.columnNames, v.row));
		if (warning) {
			ledger.warn(warning);
			c.warned++;
		}
		const key = keyIndexes.length === 1 ? String(v.row[keyIndexes[0]!]) : JSON.stringify(keyIndexes.map((i) => v.row[i]));
		const at = c.keyAt.get(key);
		const raw = v.asWritten && passRaw ? rec.raw : undefined;
		if (at === undefined) {
			c.keyAt.set(key, c.rows.length);
			c.rows.push(v.row);
			c.rawLines.push(raw);
			c.lines.push(rec.line);
		} else {
			c.duplicates++;
			// Same key twice in a chunk: events keep the first, "latest wins" sources the later line.
			if (spec.keep === 'latest') {
				c.rows[at] = v.row;
				c.rawLines[at] = raw;
				c.lines[at] = rec.line;
			}
		}
	}

	const records = readRecords({
		file: ledger.name,
		path: ctx.path,
		format: csv ? 'csv' : 'ndjson',
		gzip: ctx.gzip,
		// Records of committed chunks (counted, not recomputed from the chunk size, which may have changed since).
		skipRecords: skipped,
		onBytes: (b) => (ledger.bytesDone = b),
		onHeader: (header) => checkCsvHeader(spec, ledger.name, header, ledger.extraColumns)
	});
	try {
		for await (const batch of records) {
			if (!checkedColumns) {
				checkedColumns = true;
				if (!csv) checkNdjsonColumns(spec, ledger.name, batch.filter((r) => r.value).map((r) => r.value!));
			}
			for (const rec of batch) {
				seenRecords++;
				chunk.read++;
				processRecord(rec);
				if (chunk.read >= chunkSize) await flush();
			}
			ledger.progress(false);
		}
	} catch (e) {
		// A file cut short (truncated gzip, read error): keep what was read before the break.
		if (e instanceof IngestFileError && chunk.read > 0 && checkedColumns) {
			await flush();
			await pending;
		}
		throw e;
	}
	if (chunk.read > 0) await flush();
	await pending;
}
