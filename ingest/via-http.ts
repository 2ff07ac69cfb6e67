import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { ingestReport, type IngestReport } from '../src/lib/contracts/ingest.js';
import { z } from 'zod';
import { IngestFileError, IngestUsageError } from './errors.js';
import { expandPaths, type InputFile } from './files.js';
import type { IngestOptions } from './index.js';

// Errors come as SvelteKit's { message } (from the route or from hooks.server.ts).
const answer = z.union([z.object({ reports: z.array(ingestReport) }), z.object({ message: z.string() })]);

/**
 * `loopmeter ingest --via URL`: streams each file (as is, compressed or not) to
 * the running app's POST /api/v1/ingest/<source>, which validates and loads it
 * with the same code and answers with the same reports. Needed because an
 * embedded data directory can be opened by one process only.
 */
export async function ingestViaHttp(baseUrl: string, opts: Omit<IngestOptions, 'via'>): Promise<IngestReport[]> {
	let base: URL;
	try {
		base = new URL(baseUrl);
	} catch {
		throw new IngestUsageError(`--via ${baseUrl}: expected a URL such as http://127.0.0.1:3000`);
	}
	const token = process.env.LOOPMETER_TOKEN;
	const files = await expandPaths(opts.paths, opts.format, opts.stdin);
	try {
		return await sendAll(base, token, files, opts);
	} finally {
		for (const f of files) f.cleanup?.();
	}
}

async function sendAll(base: URL, token: string | undefined, files: InputFile[], opts: Omit<IngestOptions, 'via'>): Promise<IngestReport[]> {
	const reports: IngestReport[] = [];
	for (const [i, f] of files.entries()) {
		const url = new URL(`/api/v1/ingest/${opts.source}`, base);
		url.searchParams.set('file', f.name === '-' ? 'stdin' : f.name);
		url.searchParams.set('format', f.format);
		if (opts.dryRun) url.searchParams.set('dry_run', '1');
		if (opts.maxErrors) url.searchParams.set('max_errors', opts.maxErrors);
		const started = Date.now();
		let sent = 0;
		const counter = new Transform({
			transform(chunk: Buffer, _enc, done) {
				sent += chunk.length;
				opts.onProgress?.({
					source: opts.source,
					file: f.name,
					fileIndex: i + 1,
					files: files.length,
					bytesDone: sent,
					bytesTotal: f.bytes,
					rowsRead: 0,
					rowsLoaded: 0,
					rowsRejected: 0,
					elapsedMs: Date.now() - started,
					done: false
				});
				done(null, chunk);
			}
		});
		let res: Response;
		try {
			res = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/octet-stream',
					'content-length': String(f.bytes),
					...(token ? { authorization: `Bearer ${token}` } : {})
				},
				body: Readable.toWeb(createReadStream(f.path).pipe(counter)) as ReadableStream,
				duplex: 'half'
			} as RequestInit);
		} catch (e) {
			throw new IngestFileError(f.name, `could not reach the Loopmeter app at ${base.origin} (${(e as Error).message}); is it running?`);
		}
		const text = await res.text();
		let body: z.infer<typeof answer> | undefined;
		try {
			body = answer.parse(JSON.parse(text));
		} catch {
			body = undefined;
		}
		if (!res.ok || !body || 'message' in body) {
			const why = body && 'message' in body ? body.message : `HTTP ${res.status} ${text.slice(0, 200)}`;
			if (res.status === 401 || res.status === 403) throw new IngestUsageError(`${base.origin} refused the upload (${why}); set LOOPMETER_TOKEN to a token with scope ingest:${opts.source}`);
			throw new IngestFileError(f.name, `the app at ${base.origin} refused it: ${why}`);
		}
		for (const r of body.reports) {
			opts.onProgress?.({
				source: opts.source,
				file: f.name,
				fileIndex: i + 1,
				files: files.length,
				bytesDone: f.bytes,
				bytesTotal: f.bytes,
				rowsRead: r.rows_read,
				rowsLoaded: r.rows_loaded,
				rowsRejected: r.rows_rejected,
				elapsedMs: Date.now() - started,
				done: true
			});
			reports.push(r);
		}
	}
	return reports;
}
