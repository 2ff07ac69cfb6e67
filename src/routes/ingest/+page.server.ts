import { z } from 'zod';
import { fileSources } from '$lib/contracts/ingest';
import { cachedBookkeeping, cachedPagePeriod, cachedRowsPerDay } from '$lib/server/pages/ingest-page';
import type { PageServerLoad } from './$types';

const isoDay = z.iso.date();
const params = z.object({
	from: isoDay.optional().catch(undefined),
	to: isoDay.optional().catch(undefined),
	source: z.enum([...fileSources, 'stripe_events']).optional().catch(undefined),
	reason: z.string().max(500).optional().catch(undefined)
});

/**
 * Ingest (admin): what was loaded, when, and what was refused. The period is
 * about event days (rows per day per source); runs and dead letters are the
 * latest ones whatever the period. Panels stream in, from a per-data-version
 * cache (src/lib/server/pages/ingest-page.ts): repeated visits answer from memory.
 */
export const load: PageServerLoad = async ({ url }) => {
	const q = params.parse(Object.fromEntries(url.searchParams));
	const swapped = q.from && q.to && q.from >= q.to;
	const period = await cachedPagePeriod(swapped ? undefined : q.from, swapped ? undefined : q.to);
	const { runs, reasons, letters } = await cachedBookkeeping({ source: q.source, reason: q.reason, limit: 200 });
	return {
		period,
		problem: swapped ? `"to" (${q.to}) must be after "from" (${q.from}); showing the default period` : null,
		source: q.source ?? null,
		reason: q.reason ?? null,
		sources: [...fileSources],
		runs,
		days: cachedRowsPerDay(period.from, period.to),
		reasons,
		letters
	};
};
