import { describe, expect, it } from 'vitest';
import { metricRequest } from '../../src/lib/contracts/metrics.js';
import { buildMetricQuery } from '../../src/lib/server/metrics/build-query.js';
import { getMetric, listMetrics } from '../../src/lib/server/metrics/registry.js';
import { placeholdersIn, setParameters } from '../../src/lib/server/warehouse/query-params.js';

/**
 * Embedded, a statement is refused when it uses a placeholder it has no value
 * for (query-params.ts). Every metric's statement, at every grain, raw or not,
 * has a value for each placeholder it uses: a metric whose SQL comment quoted
 * `{{from_first_start:…}}` was once refused on every page.
 */
describe('every metric statement carries a value for each of its placeholders', () => {
	for (const def of listMetrics()) {
		it(def.id, () => {
			for (const grain of ['total', 'day', 'week', 'month'] as const) {
				for (const forceRaw of [false, true]) {
					const q = buildMetricQuery(metricRequest.parse({ metric: def.id, from: '2026-10-01', to: '2026-10-15', grain }), getMetric, { forceRaw });
					expect(() => setParameters(q.sql, q.params, def.id)).not.toThrow();
					expect(placeholdersIn(q.sql).length).toBeGreaterThan(0);
				}
			}
		});
	}
});
