import { describe, it } from 'vitest';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { expectFigures, metricOverRows, type HandRelation } from '../../../../../tests/helpers/definition-pin.js';

/*
 * Attention-to-compute = human watch-hours / utilized GPU-hours of the same
 * period, from attention_compute_daily's rows written by hand (the watch and
 * GPU-hour relations under it are pinned by tests/integration/money.test.ts):
 *   10-01: 3 watch-hours, 2 GPU-hours → 1.5;  10-02: 5 and 2 → 2.5;
 *   the period [10-01, 10-03): 8 / 4 = 2; 10-05 lies outside it.
 */
useOpenTempWarehouse('loopmeter-attention-pin-');

const ROWS: HandRelation = {
	file: 'attention_compute_daily',
	columns: 'day Date, watch_h Float64, gpu_h Float64',
	rows: [
		['2026-10-01', 3, 0],
		['2026-10-01', 0, 2],
		['2026-10-02', 5, 0],
		['2026-10-02', 0, 1.5],
		['2026-10-02', 0, 0.5],
		['2026-10-05', 100, 1]
	]
};
const PERIOD = { from: '2026-10-01', to: '2026-10-03' };

describe('attention-to-compute', () => {
	it('watch-hours over GPU-hours of the period, both returned beside it', async () => {
		expectFigures(await metricOverRows({ metric: 'attention_to_compute', ...PERIOD, grain: 'total' }, [ROWS]), [{ value: 2, watch_hours: 8, utilized_gpu_hours: 4 }]);
	});

	it('per day, each day its own ratio', async () => {
		expectFigures(await metricOverRows({ metric: 'attention_to_compute', ...PERIOD, grain: 'day' }, [ROWS]), [
			{ period: '2026-10-01', value: 1.5 },
			{ period: '2026-10-02', value: 2.5 }
		]);
	});

	it('no GPU-hours: no ratio rather than a division by zero', async () => {
		const onlyWatch = { ...ROWS, rows: [['2026-10-01', 3, 0]] as const };
		expectFigures(await metricOverRows({ metric: 'attention_to_compute', ...PERIOD, grain: 'total' }, [onlyWatch]), [{ value: null, watch_hours: 3 }]);
	});
});
