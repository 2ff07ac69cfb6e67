import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { csvResponse, CSV_ROW_CAP } from '$lib/server/http/csv-response';
import { deadLetters } from '$lib/server/ingest-runs';
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
 * rows with file, line, field, reason and the raw row. CSV exports all of
 * them (the page's download link); JSON returns the first `limit` (200).
 */
export const GET: RequestHandler = async ({ url }) => {
	const q = queryString.safeParse(Object.fromEntries(url.searchParams));
	if (!q.success) error(400, { message: `${q.error.issues[0]!.path.join('.')}: ${q.error.issues[0]!.message}` });
	const { source, reason, run, format } = q.data;
	// One row past the cap tells a complete file from a cut one.
	const rows = await deadLetters({ source, reason, runId: run, limit: format === 'csv' ? Math.min(q.data.limit ?? CSV_ROW_CAP, CSV_ROW_CAP) + 1 : (q.data.limit ?? 200) });
	if (format === 'csv') {
		return csvResponse({
			filename: `dead_letters${source ? `_${source}` : ''}.csv`,
			fields: ['source', 'file', 'line', 'field', 'reason', 'raw', 'run_id', 'ingested_at'],
			rows: rows as unknown as Record<string, unknown>[],
			cap: Math.min(q.data.limit ?? CSV_ROW_CAP, CSV_ROW_CAP)
		});
	}
	return json({ rows });
};
