import { AS_OF_PARAMETER, asOfGlossary } from '$lib/contracts/as-of';
import { cohortBases, cohortByInfo, idlePolicies, idlePolicyInfo, metricIds } from '$lib/contracts/metrics';
import { listMetrics, supportedDimensions, type MetricDefinition } from '$lib/server/metrics/registry';
import { dependsOnCohortBy, dependsOnIdlePolicy } from '$lib/server/metrics/build-query';
import { hasMetricSql, metricSql } from '$lib/server/metrics/sql-files';
import { readConfig } from '$lib/server/config';
import type { PageServerLoad } from './$types';

/**
 * Whether a metric's figures move with the idle-sharing policy: its SQL reads the policy parameter.
 * A metric built from other metrics (the Slop Index) names a source with no file of its own.
 */
const readsParameter = (d: MetricDefinition, reads: (sql: string) => boolean) =>
	d.sources.some((s) => hasMetricSql(s.file) && reads(metricSql(s.file)));
const followsIdlePolicy = (d: MetricDefinition) => readsParameter(d, dependsOnIdlePolicy);
/** Cohort metrics whose cohorts follow `cohort_by` (signup or first-paid week). */
const followsCohortBy = (d: MetricDefinition) => readsParameter(d, dependsOnCohortBy);
/** Metrics computed from fleet and price-sheet loads: `as_of` changes them (it reaches the SQL as one typed parameter). */
const followsAsOf = (d: MetricDefinition) => readsParameter(d, (sql) => sql.includes(AS_OF_PARAMETER));

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
				drilldownHasUserRows: d.drilldownHasUserRows ?? false,
				followsIdlePolicy: followsIdlePolicy(d),
				followsCohortBy: followsCohortBy(d),
				followsAsOf: followsAsOf(d)
			}))
			.sort((a, b) => metricIds.indexOf(a.id) - metricIds.indexOf(b.id)),
		idlePolicies: idlePolicies.map((id) => ({ id, ...idlePolicyInfo[id] })),
		defaultIdlePolicy: readConfig().LOOPMETER_IDLE_POLICY,
		cohortBases: cohortBases.map((id) => ({ id, ...cohortByInfo[id] })),
		asOf: asOfGlossary
	};
};
