import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { byteChunks, csvItems, csvRecord, isBlankLine, MAX_LINE_CHARS, RAW_SAMPLE, tooLong, type CsvHeader, type InputRecord } from './read.js';

/**
 * The NDJSON fast path's reader: cuts the (decompressed) file into chunks of
 * `chunkRecords` records at the byte level, without decoding or parsing a
 * line, and writes each chunk to a spool file that ClickHouse reads as
 * LineAsString. Spool line i is file line `firstLine + i`, so ClickHouse's
 * `_row_number` gives every row its line number. Lines the reader itself must
 * judge are written as empty lines (kept for the numbering, skipped by SQL):
 * blank lines (not records), over-long lines (dead-lettered here, never
 * buffered whole: the same rule and message as ./read.ts). Memory: up to SPOOL_WRITE
 * bytes of the chunk, copied from the reader's reused buffers, then written out.
 */

export interface SpoolChunk {
	/** The spool file: one line per file line from firstLine on. */
	path: string;
	firstLine: number;
	/** Records (non-blank lines) in the chunk, including `refused`. */
	records: number;
	/** Records the reader refused itself (over-long lines). */
	refused: InputRecord[];
	/** Parsed objects of sampled lines (the first 1000 records, then every 1000th), for column checks. */
	samples: Record<string, unknown>[];
}

export interface SpoolOptions {
	file: string;
	path: string;
	gzip: boolean;
	/** Where chunk files go (they alternate between two names: one is read while the next is written). */
	dir: string;
	chunkRecords: number;
	skipRecords?: number;
	onBytes?: (bytes: number) => void;
}

type Verdict = 'asis' | 'nocr' | 'empty' | 'none';

const NL = 10;
const CR = 13;
const OPEN_BRACE = 0x7b;
const EMPTY_LINE = Buffer.from('\n');
/** Bytes of spool held before they are written out. */
const SPOOL_WRITE = 8 << 20;
/** Room for that, one more read buffer, and a line that spanned buffers (rarely more: it then grows). */
const SPOOL_ROOM = SPOOL_WRITE + (4 << 20);
/** An over-long line is buffered up to this many bytes (3 bytes per UTF-16 unit at most) to tell its length in characters. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 3;

export async function* spoolChunks(opts: SpoolOptions): AsyncGenerator<SpoolChunk> {
	let toSkip = opts.skipRecords ?? 0;
	let lineNo = 0;
	let seen = 0;
	let chunkIndex = 0;
	// The chunk being filled: its bytes not yet written out are copied here, because
	// the reader's buffers are reused (see src/lib/server/files/reused-reads.ts).
	let spool = Buffer.allocUnsafe(SPOOL_ROOM);
	let pending = 0;
	let firstLine = 1;
	let records = 0;
	let refused: InputRecord[] = [];
	let samples: Record<string, unknown>[] = [];
	// A line continuing in the next read buffer (copied).
	let partial: Buffer[] = [];
	let partialBytes = 0;
	// Inside an over-long line: its start (for the dead letter) and its length so far in UTF-16 units.
	let long: { start: string; units: number; decoder: StringDecoder } | undefined;

	// The chunk's spool file, written every SPOOL_WRITE bytes so at most that much of the file is held here.
	let out: FileHandle | undefined;
	const spoolPath = () => join(opts.dir, `chunk-${chunkIndex % 2}.ndjson`);
	const drain = async () => {
		if (!pending) return;
		out ??= await open(spoolPath(), 'w');
		for (let at = 0; at < pending; ) at += (await out.write(spool, at, pending - at)).bytesWritten;
		pending = 0;
	};
	const maybeDrain = async () => {
		if (pending >= SPOOL_WRITE) await drain();
	};
	const push = (...b: Buffer[]) => {
		for (const x of b) {
			if (pending + x.length > spool.length) {
				const grown = Buffer.allocUnsafe(Math.max(2 * spool.length, pending + x.length));
				spool.copy(grown, 0, 0, pending);
				spool = grown;
			}
			pending += x.copy(spool, pending);
		}
	};

	const take = async (): Promise<SpoolChunk> => {
		const path = spoolPath();
		out ??= await open(path, 'w');
		try {
			await drain();
		} finally {
			await out.close();
			out = undefined;
		}
		chunkIndex++;
		const chunk = { path, firstLine, records, refused, samples };
		records = 0;
		refused = [];
		samples = [];
		firstLine = lineNo + 1;
		return chunk;
	};

	/**
	 * Judges one complete line (without its \n): 'asis' goes to the spool as
	 * written, 'nocr' without its trailing CR, 'empty' as an empty line, 'none'
	 * not at all (before the chunk's first line: skipped on resume).
	 */
	const judge = (buf: Buffer, start: number, end: number): Verdict => {
		lineNo++;
		let stop = end;
		if (stop > start && buf[stop - 1] === CR) stop--;
		const record: Verdict = stop === end ? 'asis' : 'nocr';
		if (stop === start) return toSkip > 0 ? skipped() : stop === end ? 'asis' : 'empty';
		if (buf[start] !== OPEN_BRACE || stop - start > MAX_LINE_CHARS) {
			const text = buf.toString('utf8', start, stop);
			if (isBlankLine(text)) return toSkip > 0 ? skipped() : 'empty';
			if (toSkip > 0) return skipRecord();
			records++;
			seen++;
			if (text.length > MAX_LINE_CHARS) {
				refused.push(tooLong({ line: lineNo, text: text.slice(0, RAW_SAMPLE), length: text.length }));
				return 'empty';
			}
			sample(text);
			return record;
		}
		if (toSkip > 0) return skipRecord();
		records++;
		seen++;
		if (seen <= 1000 || seen % 1000 === 0) sample(buf.toString('utf8', start, stop));
		return record;
	};
	const skipped = (): Verdict => {
		firstLine = lineNo + 1;
		return 'none';
	};
	const skipRecord = (): Verdict => {
		toSkip--;
		return skipped();
	};

	const sample = (text: string) => {
		try {
			const v: unknown = JSON.parse(text);
			if (v && typeof v === 'object' && !Array.isArray(v)) samples.push(v as Record<string, unknown>);
		} catch {
			// Not JSON: SQL refuses it and the JavaScript path says why.
		}
	};

	/** A line that is not written as is: its stand-in. */
	const substitute = (buf: Buffer, start: number, end: number, v: Verdict) => {
		if (v === 'nocr') push(buf.subarray(start, end - 1), EMPTY_LINE);
		else if (v === 'empty') push(EMPTY_LINE);
	};
	/** A line that arrived across read buffers (copied into `line`). */
	const wholeLine = (line: Buffer) => {
		const v = judge(line, 0, line.length);
		if (v === 'asis') push(line, EMPTY_LINE);
		else substitute(line, 0, line.length, v);
	};

	let broken: unknown;
	const source = byteChunks({ file: opts.file, path: opts.path, gzip: opts.gzip, format: 'ndjson', onBytes: opts.onBytes });
	const buffers: AsyncGenerator<Buffer> = (async function* () {
		try {
			yield* source;
		} catch (e) {
			// A file cut short (truncated gzip, read error): the records read before the break still load.
			broken = e;
		}
	})();
	try {
		yield* cut();
	} finally {
		// The consumer stopped early (a failed chunk): the half-written spool file is closed, the folder removed by the caller.
		await out?.close().catch(() => {});
	}

	async function* cut(): AsyncGenerator<SpoolChunk> {
		for await (const buf of buffers) {
			let pos = 0;
			if (long) {
				const nl = buf.indexOf(NL);
				long.units += long.decoder.write(nl < 0 ? buf : buf.subarray(0, nl)).length;
				if (nl < 0) continue;
				long.units += long.decoder.end().length;
				lineNo++;
				if (toSkip > 0) skipRecord();
				else {
					records++;
					seen++;
					refused.push(tooLong({ line: lineNo, text: long.start, length: long.units }));
					push(EMPTY_LINE);
				}
				long = undefined;
				pos = nl + 1;
				if (records >= opts.chunkRecords) yield await take();
			} else if (partialBytes > 0) {
				const nl = buf.indexOf(NL);
				if (nl < 0) {
					partial.push(Buffer.from(buf));
					partialBytes += buf.length;
					if (partialBytes > MAX_LINE_BYTES) {
						const whole = Buffer.concat(partial);
						const decoder = new StringDecoder('utf8');
						const text = decoder.write(whole);
						long = { start: text.slice(0, RAW_SAMPLE), units: text.length, decoder };
						partial = [];
						partialBytes = 0;
					}
					continue;
				}
				partial.push(buf.subarray(0, nl));
				const line = Buffer.concat(partial);
				partial = [];
				partialBytes = 0;
				wholeLine(line);
				pos = nl + 1;
				if (records >= opts.chunkRecords) yield await take();
			}
			// Lines wholly inside this buffer: runs of lines written as they are become one piece.
			let run = pos;
			for (;;) {
				const nl = buf.indexOf(NL, pos);
				if (nl < 0) break;
				const v = judge(buf, pos, nl);
				if (v !== 'asis') {
					if (run < pos) push(buf.subarray(run, pos));
					substitute(buf, pos, nl, v);
					run = nl + 1;
				}
				pos = nl + 1;
				if (records >= opts.chunkRecords) {
					if (run < pos) push(buf.subarray(run, pos));
					run = pos;
					yield await take();
				}
			}
			if (run < pos) push(buf.subarray(run, pos));
			await maybeDrain();
			if (pos < buf.length) {
				partial = [Buffer.from(buf.subarray(pos))];
				partialBytes = buf.length - pos;
				if (partialBytes > MAX_LINE_BYTES) {
					const decoder = new StringDecoder('utf8');
					const text = decoder.write(partial[0]!);
					long = { start: text.slice(0, RAW_SAMPLE), units: text.length, decoder };
					partial = [];
					partialBytes = 0;
				}
			}
		}
		if (broken) {
			// The cut line is incomplete: dropped, as the text reader does.
			if (records > 0) yield await take();
			throw broken;
		}
		if (long) {
			long.units += long.decoder.end().length;
			lineNo++;
			if (toSkip > 0) skipRecord();
			else {
				records++;
				refused.push(tooLong({ line: lineNo, text: long.start, length: long.units }));
				push(EMPTY_LINE);
			}
		} else if (partialBytes > 0) {
			wholeLine(Buffer.concat(partial));
		}
		if (records > 0) yield await take();
	}
}

/** A spooled CSV chunk: one spool line per physical line of the file from `firstLine` on, with the file's header. */
export interface CsvSpoolChunk extends SpoolChunk {
	header: CsvHeader;
}

/**
 * The CSV fast path's reader: the records of ./read.ts csvItems (the same
 * line numbers, rejoined quoted fields, blank lines and refusals as the
 * JavaScript path) written to a spool file that ClickHouse reads as
 * LineAsString, one spool line per physical line, so `_row_number` +
 * `firstLine` is the line number. A record on one line without a CR goes as
 * written (SQL splits it, see sql-rules.ts csvPathSql); a record spanning
 * lines, with a CR inside, or refused by the reader is judged in JavaScript
 * (`refused`) and its lines are written empty (skipped by SQL), as are blank
 * lines and the header.
 */
export async function* csvSpoolChunks(opts: SpoolOptions & { onHeader: (columns: string[]) => void }): AsyncGenerator<CsvSpoolChunk> {
	let header: CsvHeader | undefined;
	let toSkip = opts.skipRecords ?? 0;
	/** Physical lines accounted for: written to a spool file, or before the first chunk (skipped on resume). */
	let written = 0;
	let firstLine = 1;
	let chunkIndex = 0;
	let parts: string[] = [];
	let partsLength = 0;
	let records = 0;
	let refused: InputRecord[] = [];
	let out: FileHandle | undefined;
	const spoolPath = () => join(opts.dir, `chunk-${chunkIndex % 2}.csv`);
	const drain = async () => {
		out ??= await open(spoolPath(), 'w');
		if (parts.length) await out.write(parts.join(''));
		parts = [];
		partsLength = 0;
	};
	const put = (s: string) => {
		parts.push(s);
		partsLength += s.length;
	};
	/** Empty spool lines up to physical line `upTo` (blank lines, the header, lines of a record judged in JavaScript). */
	const blanksUpTo = (upTo: number) => {
		if (upTo > written) put('\n'.repeat(upTo - written));
		written = Math.max(written, upTo);
	};
	const take = async (): Promise<CsvSpoolChunk> => {
		const path = spoolPath();
		try {
			await drain();
		} finally {
			await out?.close();
			out = undefined;
		}
		chunkIndex++;
		const chunk = { path, firstLine, records, refused, samples: [], header: header! };
		records = 0;
		refused = [];
		firstLine = written + 1;
		return chunk;
	};
	const items = csvItems(
		{ file: opts.file, path: opts.path, format: 'csv', gzip: opts.gzip, onBytes: opts.onBytes, onHeader: opts.onHeader },
		(h) => (header = h)
	);
	try {
		for await (const batch of items) {
			for (const it of batch) {
				if (!it.error && toSkip > 0) {
					// Resuming: records of committed chunks are passed over; the first chunk starts after them.
					toSkip--;
					if (records === 0 && partsLength === 0) {
						written = it.last;
						firstLine = written + 1;
					} else blanksUpTo(it.last);
					continue;
				}
				records++;
				blanksUpTo(it.line - 1);
				if (!it.error && it.last === it.line && !it.text.includes('\r')) {
					put(`${it.text}\n`);
					written = it.line;
				} else {
					refused.push(it.error ? { line: it.line, raw: it.raw, error: it.error } : csvRecord(it.line, it.text, header!));
					if (Number.isFinite(it.last)) blanksUpTo(it.last);
				}
				if (records >= opts.chunkRecords) yield await take();
			}
			if (partsLength >= SPOOL_WRITE) await drain();
		}
		if (records > 0) yield await take();
	} finally {
		await out?.close().catch(() => {});
	}
}
