import { metricIds } from '$lib/contracts/metrics';
import { listMetrics, supportedDimensions } from '$lib/server/metrics/registry';
import type { PageServerLoad } from './$types';

/** Every metric the app knows: its definition, formula, choices, dimensions and SQL. */
export const load: PageServerLoad = () => {
	const defs = listMetrics();
	return {
		metrics: defs
			.map((d) => ({
				id: d.id,
				title: d.title,
				page: d.page,
				scoredComponents: (d.scoredComponents ?? []).map((c) => ({ id: c.id, worseWhen: c.direction > 0 ? 'rises' : 'falls' })),
				unit: d.unit,
				definition: d.definition,
				higherIsBetter: d.higherIsBetter,
				formula: d.build ? null : d.value,
				components: Object.entries(d.components ?? {}).map(([name, expr]) => ({ name, expr })),
				dimensions: supportedDimensions(d),
				sources: d.sources.map((s) => s.file),
				custom: Boolean(d.build),
				drilldown: d.drilldown ?? null,
				drilldownHasUserRows: d.drilldownHasUserRows ?? false
			}))
			.sort((a, b) => metricIds.indexOf(a.id) - metricIds.indexOf(b.id))
	};
};
