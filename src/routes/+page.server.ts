import { metricHeadings, metricPanel, metricTile } from '$lib/server/pages/panel';
import { resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { metricInput } from '$lib/url-state';
import { readAsOf } from '$lib/server/pages/as-of';
import type { MetricRequestInput } from '$lib/contracts/metrics';
import { evaluateAlerts } from '$lib/server/alerts/evaluate';
import { alertsVisibleTo } from '$lib/server/alerts/visible';
import type { PageServerLoad } from './$types';
import { failedIf } from '$lib/server/http/person-slots';

/** Overview (execs): headline tiles, then the loop's money and attention trends. Panels stream in. */
export const load: PageServerLoad = async ({ url, locals }) => {
	const ps = await resolvePageState(url);
	const { state } = ps;
	// ?as_of=: compute spend and margins as reported then (fleet and price-sheet rows as loaded by that moment).
	const { asOf: as_of, problems: asOfProblems } = readAsOf(url.searchParams);
	const tile = (id: Parameters<typeof metricTile>[0]) => metricTile(id, state, { asOf: as_of });
	const panel = (input: MetricRequestInput) => metricPanel({ ...input, as_of });
	const daily = { ...state, grain: 'day' as const };
	return {
		...ps,
		problems: [...ps.problems, ...asOfProblems],
		asOf: as_of ?? null,
		headings: metricHeadings(),
		// Alert breaches (engagement engineer): streamed, evaluated day by day from config/alerts.json.
		alerts: evaluateAlerts().then((e) => alertsVisibleTo(locals.auth, failedIf(e.errors.length > 0, e))).catch((e: Error) => failedIf(true, { error: e.message })),
		options: await filterOptions([
			{ dim: 'country', label: 'Country' },
			{ dim: 'platform', label: 'Platform' }
		]),
		tiles: {
			revenue: tile('revenue'),
			compute_spend: tile('compute_spend'),
			gross_margin: tile('gross_margin'),
			margin_per_gpu_hour: tile('margin_per_gpu_hour'),
			attention_to_compute: tile('attention_to_compute'),
			slop_index: tile('slop_index')
		},
		charts: {
			revenue: panel(metricInput(daily, 'revenue')),
			spend: panel(metricInput(daily, 'compute_spend')),
			marginWeekly: panel(metricInput(state, 'margin_per_gpu_hour', { grain: 'week' })),
			utilized: panel(metricInput(daily, 'utilized_gpu_hours')),
			provisioned: panel(metricInput(daily, 'provisioned_gpu_hours')),
			watch: panel(metricInput(daily, 'watch_hours'))
		}
	};
};
