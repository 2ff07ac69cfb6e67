import { describe, it } from 'vitest';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { expectFigures, metricOverRows, type HandRelation } from '../../../../../tests/helpers/definition-pin.js';

/*
 * Cost per output-second = Σ job cost of the jobs that ended in the period,
 * failed and moderated attempts included / Σ output-seconds of those that
 * succeeded; cost per clip divides by the clips. From job_output_cost's rows
 * written by hand (one a job; the per-job cost from the cluster-days it ran,
 * before the period too, is pinned by tests/integration/finance-depth.test.ts):
 *   request r1: a failed attempt $3 (0 s), then a success $5 (10 s);
 *   request r2: a success $4 (6 s);  a moderated job $2 (0 s);
 *   a success $9 (9 s) that ended on 10-03, after the period.
 *   → (3 + 5 + 4 + 2) / (10 + 6) = 14 / 16 = $0.875 a second; 14 / 2 clips = $7 a clip.
 */
useOpenTempWarehouse('loopmeter-finance-depth-pin-');

const JOBS: HandRelation = {
	file: 'job_output_cost',
	columns: 'day Date, job_id String, status String, model String, cost_usd Float64, output_seconds Float64, clips UInt8, gpu_hours Float64',
	rows: [
		['2026-10-01', 'j1', 'failed', 'fast', 3, 0, 0, 1.5],
		['2026-10-01', 'j2', 'succeeded', 'fast', 5, 10, 1, 2.5],
		['2026-10-02', 'j3', 'succeeded', 'pro', 4, 6, 1, 2],
		['2026-10-02', 'j4', 'moderated', 'pro', 2, 0, 0, 1],
		['2026-10-03', 'j5', 'succeeded', 'pro', 9, 9, 1, 4.5]
	]
};
const PERIOD = { from: '2026-10-01', to: '2026-10-03', grain: 'total' } as const;

describe('cost per output-second and per clip', () => {
	it('every attempt of the period costs; only delivered seconds divide', async () => {
		expectFigures(await metricOverRows({ metric: 'cost_per_output_second', ...PERIOD }, [JOBS]), [
			{ value: 14 / 16, job_cost_usd: 14, delivered_output_seconds: 16, delivered_clips: 2, jobs: 4, failed_attempt_cost_usd: 5, job_gpu_hours: 7 }
		]);
		expectFigures(await metricOverRows({ metric: 'cost_per_clip', ...PERIOD }, [JOBS]), [{ value: 7 }]);
	});

	it('by model, each model its own jobs: a model that delivered nothing has no figure', async () => {
		expectFigures(await metricOverRows({ metric: 'cost_per_output_second', ...PERIOD, group_by: ['model'] }, [JOBS]), [
			{ model: 'fast', value: 8 / 10 },
			{ model: 'pro', value: 6 / 6 }
		]);
		const failedOnly = { ...JOBS, rows: JOBS.rows.filter((r) => r[2] !== 'succeeded') };
		expectFigures(await metricOverRows({ metric: 'cost_per_output_second', ...PERIOD, group_by: ['model'] }, [failedOnly]), [
			{ model: 'fast', value: null, job_cost_usd: 3 },
			{ model: 'pro', value: null, job_cost_usd: 2 }
		]);
	});
});
