import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { deadLetterReasons, everyDay, listRuns, nonZeroDays, pagePeriod } from '$lib/server/ingest-runs';
import { jsonResponse } from '$lib/server/http/csv-response';
import { boundPeriod } from '$lib/server/pages/period-span';
import type { RequestHandler } from './$types';

const day = z.iso.date({ message: 'must be a date YYYY-MM-DD' });
const queryString = z.object({ from: day.optional(), to: day.optional(), source: z.string().max(64).optional() });

/**
 * GET /api/v1/ingest?from&to — what the Ingest page shows, as JSON: recent
 * runs, rows per event day and source over [from, to) (zero days included, so
 * a stopped feed is a visible gap), and dead letters by reason.
 */
export const GET: RequestHandler = async ({ url }) => {
	const q = queryString.safeParse(Object.fromEntries(url.searchParams));
	if (!q.success) error(400, { message: `${q.error.issues[0]!.path.join('.')}: ${q.error.issues[0]!.message}` });
	if (q.data.from && q.data.to && q.data.from >= q.data.to) error(400, { message: 'from must be before to' });
	// Zero days are listed too: the period is cut to the data and at most five years (period-bounds.ts).
	const { from, to } = await boundPeriod(await pagePeriod(q.data.from, q.data.to));
	const [runs, counts, reasons] = await Promise.all([listRuns({ limit: 200 }), nonZeroDays(from, to), deadLetterReasons({ source: q.data.source })]);
	// Written as it is read: the zero days are produced one at a time, never as one array or string.
	return jsonResponse({ from, to, runs, dead_letter_reasons: reasons }, { rows_per_day: everyDay(from, to, counts) });
};
