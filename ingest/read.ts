import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { reusedReads } from '../src/lib/server/files/reused-reads.js';
import { IngestFileError } from './errors.js';
import type { Rejection } from './fields.js';

/** One input row: its line, its text (capped, for dead letters) and either its fields or why it could not be read. */
export interface InputRecord {
	line: number;
	raw: string;
	value?: Record<string, unknown>;
	error?: Rejection;
}

export interface ReadOptions {
	/** Name shown in messages. */
	file: string;
	path: string;
	format: 'ndjson' | 'csv';
	gzip: boolean;
	/** Records to pass over without parsing (resuming a killed run). */
	skipRecords?: number;
	/** Raw (possibly compressed) bytes consumed so far, for progress. */
	onBytes?: (bytes: number) => void;
	/** CSV only: called once with the header, before any record. */
	onHeader?: (columns: string[]) => void;
}

/** A line longer than this is refused (dead-lettered) instead of buffered: a 2 GB line must not take the process down. */
export const MAX_LINE_CHARS = 1 << 20;
/** How much of a refused line is kept as its raw text. */
export const RAW_SAMPLE = 1024;
/** Records per yielded batch: amortizes the async iteration cost. */
const BATCH = 4096;

export interface Line {
	line: number;
	text: string;
	/** Set when the line was longer than MAX_LINE_CHARS; `text` is then its start. */
	length?: number;
}

/** Bytes per read of a gzipped file (an uncompressed one is read by reusedReads, in the same size). */
const READ_BYTES = 1 << 20;

/**
 * Decompressed bytes of the file, chunk by chunk, with the clear errors a
 * person needs. An uncompressed file comes through reusedReads: a chunk is only
 * valid until the next one is asked for, so a caller keeping bytes copies them.
 */
export async function* byteChunks(opts: Pick<ReadOptions, 'file' | 'path' | 'gzip' | 'format' | 'onBytes'>): AsyncGenerator<Buffer> {
	let raw = 0;
	let source: AsyncIterable<Buffer>;
	if (opts.gzip) {
		const file = createReadStream(opts.path, { highWaterMark: READ_BYTES });
		file.on('data', (c) => {
			raw += c.length;
			opts.onBytes?.(raw);
		});
		const gunzip = file.pipe(createGunzip({ chunkSize: READ_BYTES }));
		file.on('error', (e) => gunzip.destroy(e));
		source = gunzip;
	} else {
		source = (async function* () {
			for await (const chunk of reusedReads(opts.path)) {
				raw += chunk.length;
				opts.onBytes?.(raw);
				yield chunk;
			}
		})();
	}
	let first = true;
	try {
		for await (const chunk of source) {
			if (chunk.length === 0) continue;
			if (first) {
				first = false;
				sniffText(opts, chunk);
			}
			yield chunk;
		}
	} catch (e) {
		const err = e as NodeJS.ErrnoException;
		if (err.code === 'ENOENT') throw new IngestFileError(opts.file, 'no such file');
		if (err.code === 'EACCES') throw new IngestFileError(opts.file, 'permission denied');
		if (err.code === 'EISDIR') throw new IngestFileError(opts.file, 'is a directory');
		if (opts.gzip && (err.code?.startsWith('Z_') || /unexpected end of file/i.test(err.message))) {
			throw new IngestFileError(opts.file, `the gzip data is truncated or corrupt (${err.message}) after ${raw} compressed bytes; the rows before that point were loaded`);
		}
		throw new IngestFileError(opts.file, `could not be read: ${err.message}`);
	}
	if (first) throw new IngestFileError(opts.file, opts.gzip ? 'is empty once decompressed: nothing to load' : 'is empty: nothing to load');
}

/** Decompressed text of the file, chunk by chunk. */
async function* textChunks(opts: ReadOptions): AsyncGenerator<string> {
	const decoder = new StringDecoder('utf8');
	for await (const chunk of byteChunks(opts)) yield decoder.write(chunk);
	const tail = decoder.end();
	if (tail) yield tail;
}

/** Refuses binary input early with a message that says what the file seems to be. */
function sniffText(opts: Pick<ReadOptions, 'file' | 'format'>, head: Buffer): void {
	if (head.subarray(0, 4).toString('latin1') === 'PAR1') {
		throw new IngestFileError(opts.file, 'is a Parquet file; name it *.parquet or pass --format parquet');
	}
	if (head[0] === 0x1f && head[1] === 0x8b) throw new IngestFileError(opts.file, 'is gzip-compressed twice (or named without .gz); decompress it once');
	const nul = head.subarray(0, 65536).indexOf(0);
	if (nul >= 0) throw new IngestFileError(opts.file, `looks like a binary file, not ${opts.format.toUpperCase()} text (NUL byte at offset ${nul})`);
}

/** Lines of the file, numbered from 1, with over-long lines cut instead of buffered. */
export async function* lines(opts: ReadOptions): AsyncGenerator<Line[]> {
	let carry = '';
	let lineNo = 0;
	// While inside an over-long line: its start and how many characters it had so far.
	let longStart: string | undefined;
	let longLength = 0;
	let out: Line[] = [];
	for await (let text of textChunks(opts)) {
		let start = 0;
		if (longStart !== undefined) {
			const nl = text.indexOf('\n');
			if (nl < 0) {
				longLength += text.length;
				continue;
			}
			out.push({ line: ++lineNo, text: longStart, length: longLength + nl });
			longStart = undefined;
			start = nl + 1;
		} else if (carry) {
			text = carry + text;
			carry = '';
		}
		for (;;) {
			const nl = text.indexOf('\n', start);
			if (nl < 0) break;
			const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
			if (end - start > MAX_LINE_CHARS) out.push({ line: ++lineNo, text: text.slice(start, start + RAW_SAMPLE), length: end - start });
			else out.push({ line: ++lineNo, text: text.slice(start, end) });
			start = nl + 1;
		}
		const rest = text.length - start;
		if (rest > MAX_LINE_CHARS) {
			longStart = text.slice(start, start + RAW_SAMPLE);
			longLength = rest;
		} else if (rest > 0) carry = text.slice(start);
		if (out.length >= BATCH) {
			yield out;
			out = [];
		}
	}
	if (longStart !== undefined) out.push({ line: ++lineNo, text: longStart, length: longLength });
	else if (carry) out.push({ line: ++lineNo, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry });
	if (out.length) yield out;
}

export function tooLong(l: Line): InputRecord {
	return {
		line: l.line,
		raw: `${l.text}…`,
		error: {
			field: '',
			rule: `is longer than ${MAX_LINE_CHARS} characters`,
			message: `is longer than ${MAX_LINE_CHARS} characters (${l.length}); skipped`
		}
	};
}

export async function* readRecords(opts: ReadOptions): AsyncGenerator<InputRecord[]> {
	yield* opts.format === 'csv' ? csvRecords(opts) : ndjsonRecords(opts);
}

async function* ndjsonRecords(opts: ReadOptions): AsyncGenerator<InputRecord[]> {
	let toSkip = opts.skipRecords ?? 0;
	for await (const batch of lines(opts)) {
		const out: InputRecord[] = [];
		for (const l of batch) {
			if (l.length === undefined && isBlankLine(l.text)) continue;
			if (toSkip > 0) {
				toSkip--;
				continue;
			}
			if (l.length !== undefined) {
				out.push(tooLong(l));
				continue;
			}
			out.push(ndjsonRecord(l.line, l.text));
		}
		if (out.length) yield out;
	}
}

/** One NDJSON line as a record: its object, or why it is not one. */
export function ndjsonRecord(line: number, text: string): InputRecord {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		return { line, raw: text, error: { field: '', rule: 'is not valid JSON', message: `is not valid JSON (${(e as Error).message})` } };
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return { line, raw: text, error: { field: '', rule: 'must be a JSON object', message: 'must be a JSON object (one per line)' } };
	}
	return { line, raw: text, value: value as Record<string, unknown> };
}

export function isBlankLine(s: string): boolean {
	return s.length === 0 || s.trim().length === 0;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** One CSV record as text (physical lines `line`..`last`, rejoined with \n), or a record refused while reading (`error`). */
export type CsvItem = { line: number; last: number; text: string; error?: undefined } | (InputRecord & { last: number; error: Rejection });

/** The header of a CSV file: its column names (trimmed, BOM removed) and the delimiter guessed from it. */
export interface CsvHeader {
	columns: string[];
	delimiter: string;
}

/**
 * CSV with a header row. Lines are split by the same capped line reader as
 * NDJSON, so line numbers are exact and a huge line cannot exhaust memory; a
 * quoted field spanning lines is rejoined before parsing.
 */
async function* csvRecords(opts: ReadOptions): AsyncGenerator<InputRecord[]> {
	let header: CsvHeader | undefined;
	let toSkip = opts.skipRecords ?? 0;
	for await (const batch of csvItems(opts, (h) => (header = h))) {
		const out: InputRecord[] = [];
		for (const it of batch) {
			if (it.error) {
				out.push(it);
				continue;
			}
			if (toSkip > 0) {
				toSkip--;
				continue;
			}
			out.push(csvRecord(it.line, it.text, header!));
		}
		if (out.length) yield out;
	}
}

/**
 * The records of a CSV file as text, without splitting them into fields (the
 * SQL path splits most in ClickHouse): blank lines are passed over, a record
 * whose quoted field continues on the next lines is rejoined, over-long lines
 * and an unclosed quote at the end are refused. `onHeader` is called once,
 * before any record, with the header.
 */
export async function* csvItems(opts: ReadOptions, onHeader: (h: CsvHeader) => void): AsyncGenerator<CsvItem[]> {
	let header: string[] | undefined;
	// A record whose quoted field continues on the next line(s).
	let pending: { line: number; text: string } | undefined;
	for await (const batch of lines(opts)) {
		const out: CsvItem[] = [];
		for (const l of batch) {
			if (l.length !== undefined) {
				pending = undefined;
				if (header) out.push({ ...tooLong(l), last: l.line } as CsvItem);
				else throw new IngestFileError(opts.file, `the header line is longer than ${MAX_LINE_CHARS} characters`);
				continue;
			}
			let text = l.text;
			let line = l.line;
			if (pending) {
				text = `${pending.text}\n${text}`;
				line = pending.line;
				pending = undefined;
			}
			if (oddQuotes(text)) {
				if (text.length > MAX_LINE_CHARS) {
					out.push({ ...tooLong({ line, text: text.slice(0, RAW_SAMPLE), length: text.length }), last: l.line } as CsvItem);
				} else pending = { line, text };
				continue;
			}
			if (!header) {
				if (isBlankLine(text)) continue;
				const delimiter = DELIMITERS.find((d) => text.includes(d)) ?? ',';
				header = splitCsv(text, delimiter).map((h) => h.trim().replace(/^\uFEFF/, ''));
				opts.onHeader?.(header);
				onHeader({ columns: header, delimiter });
				continue;
			}
			if (isBlankLine(text)) continue;
			out.push({ line, last: l.line, text });
		}
		if (out.length) yield out;
	}
	if (pending) {
		yield [
			{
				line: pending.line,
				last: Number.POSITIVE_INFINITY,
				raw: pending.text.slice(0, RAW_SAMPLE),
				error: { field: '', rule: 'has an unclosed quote', message: 'has an unclosed quote (the file ends inside a quoted field)' }
			}
		];
	}
	if (!header) throw new IngestFileError(opts.file, 'has no header row');
}

/** One CSV record's text as a record: its cells by header name, or why they do not fit the header. */
export function csvRecord(line: number, text: string, header: CsvHeader): InputRecord {
	const cells = splitCsv(text, header.delimiter);
	const columns = header.columns;
	if (cells.length !== columns.length) {
		const rule = 'has a different number of fields than the header';
		return { line, raw: text, error: { field: '', rule, message: `has ${cells.length} fields, the header has ${columns.length}` } };
	}
	const value: Record<string, unknown> = {};
	for (let i = 0; i < columns.length; i++) value[columns[i]!] = cells[i];
	return { line, raw: text, value };
}

function oddQuotes(s: string): boolean {
	let n = 0;
	for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
	return n % 2 === 1;
}

export function splitCsv(text: string, delimiter: string): string[] {
	// Most rows have no quotes at all: a plain split is ~20× faster than a full parser.
	if (!text.includes('"')) return text.split(delimiter);
	// Exports that quote every string (ClickHouse, pandas QUOTE_NONNUMERIC) put a quote in
	// every row: Papa.parse per row (line-ending guess, regex setup) cost ~6 µs of the ~20.
	const cells = splitQuoted(text, delimiter);
	if (cells) return cells;
	const parsed = Papa.parse<string[]>(text, { delimiter, header: false });
	return parsed.data[0] ?? [];
}

/**
 * RFC 4180 fields of one record whose quoting is well formed: a quoted field
 * ends at a closing quote followed by the delimiter or the end ("" inside is a
 * quote). Anything else (a quote inside an unquoted field, text after a closing
 * quote, a line break outside quotes, a CR) returns undefined and is left to
 * Papa, so odd rows split exactly as before.
 */
function splitQuoted(text: string, delimiter: string): string[] | undefined {
	if (delimiter.length !== 1 || text.includes('\r')) return undefined;
	const d = delimiter.charCodeAt(0);
	const out: string[] = [];
	const n = text.length;
	let i = 0;
	for (;;) {
		if (text.charCodeAt(i) === 34) {
			let value = '';
			let from = i + 1;
			for (;;) {
				const q = text.indexOf('"', from);
				if (q < 0) return undefined;
				if (text.charCodeAt(q + 1) === 34) {
					value += text.slice(from, q + 1);
					from = q + 2;
					continue;
				}
				value += text.slice(from, q);
				i = q + 1;
				break;
			}
			out.push(value);
			if (i === n) return out;
			if (text.charCodeAt(i) !== d) return undefined;
			i++;
		} else {
			let end = text.indexOf(delimiter, i);
			if (end < 0) end = n;
			const value = text.slice(i, end);
			if (value.includes('"') || value.includes('\n')) return undefined;
			out.push(value);
			if (end === n) return out;
			i = end + 1;
		}
		if (i === n) {
			// A trailing delimiter: one last empty field.
			out.push('');
			return out;
		}
	}
}
