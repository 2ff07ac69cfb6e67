import { z } from 'zod';
import { fileSources } from '$lib/contracts/ingest';
import { deadLetterReasons, deadLetters, gapsOf, listRuns, pagePeriod, rowsPerDay } from '$lib/server/ingest-runs';
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
 * latest ones whatever the period. Panels stream in.
 */
export const load: PageServerLoad = async ({ url }) => {
	const q = params.parse(Object.fromEntries(url.searchParams));
	const swapped = q.from && q.to && q.from >= q.to;
	const period = await pagePeriod(swapped ? undefined : q.from, swapped ? undefined : q.to);
	const days = rowsPerDay(period.from, period.to);
	return {
		period,
		problem: swapped ? `"to" (${q.to}) must be after "from" (${q.from}); showing the default period` : null,
		source: q.source ?? null,
		reason: q.reason ?? null,
		sources: [...fileSources],
		runs: listRuns({ source: q.source, limit: 200 }),
		days: days.then((d) => ({ days: d, gaps: gapsOf(d) })),
		reasons: deadLetterReasons({ source: q.source }),
		letters: deadLetters({ source: q.source, reason: q.reason, limit: 200 })
	};
};
