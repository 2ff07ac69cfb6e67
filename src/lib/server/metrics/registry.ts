import type { MetricId } from '../../contracts/metrics.js';
import type { MetricDefinition } from './definition.js';
import { attentionMetrics } from './definitions/attention.js';
import { computeMetrics } from './definitions/compute.js';
import { economicsMetrics } from './definitions/economics.js';
import { engagementMetrics } from './definitions/engagement.js';
import { revenueMetrics } from './definitions/revenue.js';
import { slopIndexMetrics } from './definitions/slop-index.js';
import { slopMetrics } from './definitions/slop.js';

export { supportedDimensions, type BaseSource, type MetricDefinition } from './definition.js';

/**
 * Every metric, by id: one entry per metric, written in its domain's file under
 * definitions/. Typed over MetricId, so a metric id without a definition (or a
 * definition under an unknown id) does not compile.
 */
export const metricDefinitions = {
	...computeMetrics,
	...attentionMetrics,
	...revenueMetrics,
	...economicsMetrics,
	...engagementMetrics,
	...slopMetrics,
	...slopIndexMetrics
} satisfies Record<MetricId, MetricDefinition>;

export function getMetric(id: MetricId): MetricDefinition {
	return metricDefinitions[id];
}

export function listMetrics(): MetricDefinition[] {
	return Object.values(metricDefinitions);
}
