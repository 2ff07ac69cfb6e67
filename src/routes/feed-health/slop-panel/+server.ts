import { json } from '@sveltejs/kit';
import { metricPanel } from '$lib/server/pages/panel';
import { wholePeriodStart } from '$lib/server/pages/engagement-panels';
import { resolvePageState } from '$lib/server/pages/page-state';
import { metricInput } from '$lib/url-state';
import type { RequestHandler } from './$types';

/**
 * The Slop Index panel of Feed health (by arm, with every component score),
 * fetched by the page only when that section scrolls into view: it runs twelve
 * indicators over the period and its baseline, the heaviest query of the page.
 * Same period, grain and filters as the page (its query string).
 */
export const GET: RequestHandler = async ({ url }) => {
	const { state } = await resolvePageState(url, { days: 182, grain: 'week' });
	const panel = await metricPanel(metricInput(state, 'slop_index', { group_by: ['rec_arm'], period: wholePeriodStart(state) }));
	return json(panel);
};
