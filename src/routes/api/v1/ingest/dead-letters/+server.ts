import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { busyIs429, exportResponse, CSV_ROW_CAP } from '$lib/server/http/csv-response';
import { deadLetters, streamDeadLetters } from '$lib/server/ingest-runs';
import type { RequestHandler } from './$types';

const queryString = z.object({
	source: z.string().max(64).optional(),
	reason: z.string().max(500).optional(),
	run: z.string().max(64).optional(),
	limit: z.coerce.number().int().min(1).max(100_000).optional(),
	format: z.enum(['json', 'csv']).optional()
});

/**
 * GET /api/v1/ingest/dead-letters?source&reason&run[&format=csv] — rejected
 * rows with file, line, field, reason and the raw row. CSV exports all of them
 * up to the cap (or `limit`), streamed from the warehouse (and audited as an
 * export by the hooks, which know a download by its text/csv type); JSON
 * returns the first `limit` (200).
 */
export const GET: RequestHandler = async ({ url, request }) => {
	const q = queryString.safeParse(Object.fromEntries(url.searchParams));
	if (!q.success) error(400, { message: `${q.error.issues[0]!.path.join('.')}: ${q.error.issues[0]!.message}` });
	const { source, reason, run, format } = q.data;
	if (format === 'csv') {
		const cap = Math.min(q.data.limit ?? CSV_ROW_CAP, CSV_ROW_CAP);
		const streamed = await streamDeadLetters({ source, reason, runId: run }, { cap, signal: request.signal }).catch(busyIs429);
		return exportResponse({
			format,
			filename: `dead_letters${source ? `_${source}` : ''}.${format}`,
			fields: ['source', 'file', 'line', 'field', 'reason', 'raw', 'run_id', 'ingested_at'],
			...streamed,
			cap
		});
	}
	const rows = await deadLetters({ source, reason, runId: run, limit: q.data.limit ?? 200 });
	return json({ rows });
};
