import { metricIds } from '$lib/contracts/metrics';
import { listMetrics, supportedDimensions } from '$lib/server/metrics/registry';
import type { PageServerLoad } from './$types';

/** Every metric the app knows: its definition, formula, choices, dimensions and SQL. */
export const load: PageServerLoad = () => {
	const defs = listMetrics();
	const registered = new Set(defs.map((d) => d.id));
	return {
		metrics: defs
			.map((d) => ({
				id: d.id,
				title: d.title,
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
			.sort((a, b) => metricIds.indexOf(a.id) - metricIds.indexOf(b.id)),
		missing: metricIds.filter((id) => !registered.has(id))
	};
};
