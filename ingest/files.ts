import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IngestFormat } from '../src/lib/contracts/ingest.js';
import { IngestFileError, IngestUsageError } from './errors.js';

/** One file to ingest: where it is, what to call it, and how to read it. */
export interface InputFile {
	/** As given (or "-" for standard input): shown in reports and stored in ingest_runs. */
	name: string;
	path: string;
	format: IngestFormat;
	gzip: boolean;
	bytes: number;
	/** Removes a temporary copy (standard input spooled to disk). */
	cleanup?: () => void;
}

const EXTENSIONS: Record<string, IngestFormat> = { ndjson: 'ndjson', jsonl: 'ndjson', json: 'ndjson', csv: 'csv', parquet: 'parquet', pq: 'parquet' };

export function formatFromName(name: string): IngestFormat | undefined {
	const m = /\.([a-z]+)(\.gz)?$/i.exec(name);
	return m ? EXTENSIONS[m[1]!.toLowerCase()] : undefined;
}

async function head(path: string, n = 4096): Promise<Buffer> {
	const fh = await open(path, 'r');
	try {
		const buf = Buffer.alloc(n);
		const { bytesRead } = await fh.read(buf, 0, n, 0);
		return buf.subarray(0, bytesRead);
	} finally {
		await fh.close();
	}
}

const isGzip = (b: Buffer) => b[0] === 0x1f && b[1] === 0x8b;

/** Content sniffing for standard input and unknown extensions. */
function sniff(b: Buffer): IngestFormat {
	if (b.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
	const first = b.toString('utf8').trimStart()[0];
	return first === '{' ? 'ndjson' : 'csv';
}

async function describe(name: string, path: string, explicit?: IngestFormat): Promise<InputFile> {
	let st;
	try {
		st = statSync(path);
	} catch {
		throw new IngestFileError(name, 'no such file or directory');
	}
	const h = await head(path);
	const gzip = isGzip(h);
	let format = explicit ?? formatFromName(name);
	if (!format) {
		if (gzip) throw new IngestFileError(name, 'is gzip-compressed with no format in its name; name it e.g. x.ndjson.gz or pass --format');
		format = sniff(h);
	}
	return { name, path, format, gzip, bytes: st.size };
}

/**
 * Files, directories (every file of a known format, in name order) and "-"
 * (standard input, spooled to a temporary file: its content must be hashed
 * before loading for resume and deduplication to work).
 */
export async function expandPaths(paths: string[], explicit?: IngestFormat, stdin: NodeJS.ReadableStream = process.stdin): Promise<InputFile[]> {
	if (!paths.length) throw new IngestUsageError('give at least one file, directory or - (standard input)');
	const out: InputFile[] = [];
	for (const p of paths) {
		if (p === '-') {
			const dir = mkdtempSync(join(tmpdir(), 'loopmeter-stdin-'));
			const spool = join(dir, 'stdin');
			await pipeline(stdin, createWriteStream(spool));
			out.push({ ...(await describe('-', spool, explicit)), cleanup: () => rmSync(dir, { recursive: true, force: true }) });
			continue;
		}
		const abs = resolve(p);
		let st;
		try {
			st = statSync(abs);
		} catch {
			throw new IngestFileError(p, 'no such file or directory');
		}
		if (st.isDirectory()) {
			const names = readdirSync(abs)
				.filter((f) => !f.startsWith('.') && (explicit || formatFromName(f)) && statSync(join(abs, f)).isFile())
				.sort();
			if (!names.length) throw new IngestFileError(p, 'is a directory with no .ndjson, .jsonl, .csv or .parquet files (optionally .gz)');
			for (const f of names) out.push(await describe(join(p, f), join(abs, f), explicit));
		} else out.push(await describe(p, abs, explicit));
	}
	return out;
}
