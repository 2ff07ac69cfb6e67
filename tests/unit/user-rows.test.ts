import { describe, expect, it } from 'vitest';
import { metricIds, type MetricId } from '../../src/lib/contracts/metrics.js';
import { getMetric } from '../../src/lib/server/metrics/registry.js';
import { drilldownListsPeople } from '../../src/lib/server/metrics/user-rows.js';

describe('which drill-downs list people', () => {
	it('creator, remix-chain and watchlist drill-downs are user-level (they list creator_id, a user id)', () => {
		for (const id of ['creator_concentration', 'remix_depth', 'cameo_unconsented_share', 'copyright_share'] as MetricId[]) {
			expect({ id, people: drilldownListsPeople(id) }).toEqual({ id, people: true });
		}
	});
	it('fleet and ad-revenue rows (machines, countries) are not', () => {
		for (const id of ['compute_spend', 'utilization', 'ad_revenue'] as MetricId[]) expect({ id, people: drilldownListsPeople(id) }).toEqual({ id, people: false });
	});
	it('every metric that declares user rows stays user-level', () => {
		const declared = metricIds.filter((id) => getMetric(id)?.drilldownHasUserRows);
		expect(declared.length).toBeGreaterThan(10);
		expect(declared.filter((id) => !drilldownListsPeople(id))).toEqual([]);
	});
});
