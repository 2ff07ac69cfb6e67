import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { error, json } from '@sveltejs/kit';
import { scheduleDayTablesRefresh } from '$lib/server/metrics/day-tables';
import { ingestFormat, ingestSource } from '$lib/contracts/ingest';
import { requireScope } from '$lib/server/auth';
import { BodyTooLargeError, limitedBody } from '$lib/server/http/limits';
import { takeUploadSlot } from '$lib/server/http/upload-slots';
import { ingest, IngestFileError, IngestUsageError } from '$ingest';
import type { RequestHandler } from './$types';

/**
 * POST /api/v1/ingest/<source>?file=<name>&format=&max_errors=&dry_run=1
 * Body: the file as is (NDJSON, CSV or Parquet, gzip or not), any length,
 * chunked allowed. Used by `loopmeter ingest --via` and the Ingest page upload,
 * because only the app may open an embedded warehouse while it runs.
 * Answers { reports: IngestReport[] } — the same reports the CLI prints.
 */
export const POST: RequestHandler = async (event) => {
	const { params, url, request } = event;
	const source = ingestSource.safeParse(params.source);
	if (!source.success) error(404, { message: `unknown source "${params.source}"; expected one of ${ingestSource.options.join(', ')}` });
	const actor = requireScope(event, `ingest:${source.data}`);
	const format = url.searchParams.get('format');
	const parsedFormat = format ? ingestFormat.safeParse(format) : undefined;
	if (parsedFormat && !parsedFormat.success) error(400, { message: `format=${format}: expected ndjson, csv or parquet` });
	// Only the base name is kept (it names the spool file, so its extension still tells the format).
	const name = basename(url.searchParams.get('file') ?? 'upload').replace(/[^\w.@+-]/g, '_').slice(0, 200) || 'upload';

	const declared = request.headers.get('content-length');
	const slot = takeUploadSlot(declared === null ? undefined : Number(declared), tmpdir());
	if (!slot.ok) error(slot.status, { message: slot.message });
	const dir = mkdtempSync(join(tmpdir(), 'loopmeter-upload-'));
	try {
		const path = join(dir, name);
		try {
			await pipeline(Readable.fromWeb(limitedBody(request) as import('node:stream/web').ReadableStream), createWriteStream(path));
		} catch (e) {
			if (e instanceof BodyTooLargeError) error(413, { message: `${name}: ${e.message} Load it with \`loopmeter ingest\` while the app is stopped, or split it.` });
			throw e;
		}
		const reports = await ingest({
			source: source.data,
			paths: [path],
			label: url.searchParams.get('file') ?? name,
			format: parsedFormat?.data,
			dryRun: url.searchParams.get('dry_run') === '1',
			maxErrors: url.searchParams.get('max_errors') ?? undefined,
			actor,
			via: 'http'
		});
		if (reports.some((r) => r.rows_loaded > 0)) scheduleDayTablesRefresh();
		return json({ reports });
	} catch (e) {
		if (e instanceof IngestUsageError) error(400, { message: e.message });
		if (e instanceof IngestFileError) error(422, { message: e.message });
		throw e;
	} finally {
		rmSync(dir, { recursive: true, force: true });
		slot.release();
	}
};
