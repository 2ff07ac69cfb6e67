import { error } from '@sveltejs/kit';
import { runMetricForPages } from '$lib/server/pages/panel';
import { buildDigest, DigestError, isoWeekOf } from '$lib/server/digest';
import { findChromium } from '$lib/server/digest/pdf';
import { latestDataDay } from '$lib/server/pages/page-state';
import { addDays } from '$lib/url-state';
import type { PageServerLoad } from './$types';

/** The weekly digest on a page (?week=YYYY-Www; default the last whole week with data), and its file. */
export const load: PageServerLoad = async ({ url }) => {
	const last = await latestDataDay();
	const lastWhole = last ? isoWeekOf(addDays(last, -((new Date(`${last}T00:00:00Z`).getUTCDay() + 7) % 7))) : null;
	const week = url.searchParams.get('week') ?? lastWhole;
	// The PDF link only where the server can print it (Chromium); otherwise the page says what to install.
	const pdf = findChromium() !== null;
	if (!week) return { week: null, digest: null, pdf };
	try {
		// Its figures through the pages' cache: the digest asks about 40 metric questions, the same for every visitor until the data changes.
		const d = await buildDigest(week, runMetricForPages);
		return { week, lastWhole, digest: { html: d.html, period: d.period }, pdf };
	} catch (e) {
		if (e instanceof DigestError) error(400, e.message.replace(/^--week /, 'week '));
		throw e;
	}
};
