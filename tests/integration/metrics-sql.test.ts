import { describe, expect, it } from 'vitest';
import { grains } from '../../src/lib/contracts/metrics.js';
import { listMetrics, supportedDimensions } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// Every registered metric's SQL must parse and run on the real engine, for every
// grain and every dimension it claims to support, even on an empty warehouse:
// this is what keeps a panel from failing the first time someone picks a filter.
const { open } = useTempWarehouse();
const period = { from: '2026-10-01', to: '2026-11-01' };

describe('every registered metric', () => {
	const metrics = listMetrics();

	it('is registered at all', () => {
		expect(metrics.length).toBeGreaterThan(0);
	});

	for (const def of metrics) {
		it(`${def.id} runs for every grain`, async () => {
			await open();
			for (const grain of grains) {
				const { response } = await runMetric({ metric: def.id, ...period, grain });
				expect(response.metric).toBe(def.id);
				expect(response.unit).toBe(def.unit);
				for (const row of response.rows) expect(row).toHaveProperty('value');
			}
		});

		for (const dim of supportedDimensions(def)) {
			it(`${def.id} groups and filters by ${dim}`, async () => {
				await open();
				const { response } = await runMetric({ metric: def.id, ...period, grain: 'week', group_by: [dim], filters: { [dim]: ["x'); DROP TABLE impressions; --", 'y'] } });
				expect(response.group_by).toEqual([dim]);
				// The hostile filter value travelled as a parameter: nothing matched, nothing was dropped.
				await runMetric({ metric: 'watch_hours', ...period });
			});
		}
	}
});
