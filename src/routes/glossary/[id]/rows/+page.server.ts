import { error } from '@sveltejs/kit';
import { metricId, requestFromSearchParams, searchParamsFromRequest } from '$lib/contracts/metrics';
import { assertMayDrill } from '$lib/server/auth';
import { runDrilldown } from '$lib/server/metrics/drill';
import { boundPeriod } from '$lib/server/pages/period-span';
import { MetricRequestError } from '$lib/server/metrics/run';
import { resolvePageState } from '$lib/server/pages/page-state';
import { getMetric } from '$lib/server/metrics/registry';
import { drilldownListsPeople } from '$lib/server/metrics/user-rows';
import type { PageServerLoad } from './$types';

/** The rows behind a metric for the URL's period and filters: first 1 000 on screen, CSV for all. */
export const load: PageServerLoad = async ({ params, url, locals }) => {
	const id = metricId.safeParse(params.id);
	if (!id.success || !getMetric(id.data)) error(404, `No metric called ${params.id}`);
	const def = getMetric(id.data)!;
	assertMayDrill(locals.auth, id.data, drilldownListsPeople(id.data));
	const ps = await resolvePageState(url);
	const sp = new URLSearchParams(url.searchParams);
	sp.set('from', ps.state.from);
	sp.set('to', ps.state.to);
	const input = await boundPeriod({ ...requestFromSearchParams(id.data, sp), grain: undefined, group_by: undefined });
	const csv = searchParamsFromRequest(input);
	csv.set('format', 'csv');
	try {
		const result = await runDrilldown(input);
		return { ...ps, title: def.title, metric: id.data, csvHref: `/api/v1/metrics/${id.data}/rows?${csv}`, result, failure: null };
	} catch (e) {
		if (!(e instanceof MetricRequestError)) throw e;
		return { ...ps, title: def.title, metric: id.data, csvHref: null, result: null, failure: e.message };
	}
};
