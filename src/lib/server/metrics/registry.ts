import type { MetricId } from '../../contracts/metrics.js';
import type { MetricDefinition } from './definition.js';
import { attentionMetrics } from './definitions/attention.js';
import { computeMetrics } from './definitions/compute.js';
import { consentAdsMetrics } from './definitions/consent-ads.js';
import { economicsMetrics } from './definitions/economics.js';
import { engagementMetrics } from './definitions/engagement.js';
import { financeDepthMetrics } from './definitions/finance-depth.js';
import { financeForecastMetrics } from './definitions/finance-forecast.js';
import { financeRevenueMetrics } from './definitions/finance-revenue.js';
import { retentionOfMetrics } from './definitions/retention-of.js';
import { revenueMetrics } from './definitions/revenue.js';
import { slopIndexMetrics } from './definitions/slop-index.js';
import { slopMetrics } from './definitions/slop.js';

export { supportedDimensions, type BaseSource, type MetricDefinition } from './definition.js';

/**
 * Every metric, by id: one entry per metric, written in its domain's file under
 * definitions/. Typed over MetricId, so a metric id without a definition (or a
 * definition under an unknown id) does not compile.
 *
 * Adding a metric:
 *  1. its id in `metricIds` (src/lib/contracts/metrics.ts): the compiler now
 *     asks for its definition here;
 *  2. its base SQL, sql/metrics/<file>.sql (one row per day with `day`, the
 *     dimensions it supports and the measures), and, for the rows behind it,
 *     sql/metrics/drill/<name>.sql;
 *  3. one entry in its domain's table (definitions/<domain>.ts): id, title,
 *     unit, page (its roles follow), definition text built from the constants
 *     its SQL uses, sources, value, components, drilldown;
 *  4. a test pinning its value on a tiny fixture worked out by hand;
 *  5. a page that shows it (metricTile / metricPanel, title from metricHeadings()).
 */
export const metricDefinitions = {
	...computeMetrics,
	...attentionMetrics,
	...revenueMetrics,
	...economicsMetrics,
	...engagementMetrics,
	...slopMetrics,
	...slopIndexMetrics,
	...retentionOfMetrics,
	...financeDepthMetrics,
	...financeForecastMetrics,
	...financeRevenueMetrics,
	...consentAdsMetrics
} satisfies Record<MetricId, MetricDefinition>;

export function getMetric(id: MetricId): MetricDefinition {
	return metricDefinitions[id];
}

export function listMetrics(): MetricDefinition[] {
	return Object.values(metricDefinitions);
}
