import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import type { MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { loadEngagementFixture } from '../fixtures/engagement/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

/*
 * Retention of watch-hours on the engagement fixture, period [2026-09-28, 2026-10-19).
 * Signups in the period (internal u9 and ux, who signed up in August, are out):
 *   cohort 2026-09-28 (Monday): u1 (US, 09-28), u2 (DE, 10-01)
 *   cohort 2026-10-05:          u3 (US, 10-05), u4 (FR, 10-06)
 * Last day with data 10-15, so weeks are whole through Sunday 10-11:
 *   cohort 09-28: 18 days to 10-16 → weeks 0 and 1; cohort 10-05: 11 days → week 0 only (i16 on 10-15 is in an unfinished week).
 *   cohort 09-28 week 0 (09-28..10-04): nobody active.
 *   cohort 09-28 week 1 (10-05..10-11): u1 i1 20 s + i2 1 s + i3 20 s + i4 10 s = 51 s; u2 i5 20 + i6 15 + i7 20 = 55 s → 106 s.
 *   cohort 10-05 week 0: u3 20 + 20 + 1.5 + 20 = 61.5 s; u4 (active before signing up, same week) 20 + 18 + 20 = 58 s → 119.5 s.
 */
const { open } = useTempWarehouse('loopmeter-retention-of-');
const base = { from: '2026-09-28', to: '2026-10-19', grain: 'total' } as const;

beforeAll(async () => {
	await open();
	await loadEngagementFixture();
});

const rows = async (input: Partial<MetricRequestInput>) => (await runMetric({ ...base, metric: 'retention_watch_hours', ...input } as MetricRequestInput)).response.rows;

describe('retention of a metric', () => {
	it('sums watch-hours of two cohorts by week since signup: total, per cohort user, per retained user', async () => {
		const r = await rows({});
		expect(r.map((x) => [x.cohort, x.week, x.cohort_users, x.retained_users])).toEqual([
			['2026-09-28', 0, 2, 0],
			['2026-09-28', 1, 2, 2],
			['2026-10-05', 0, 2, 2]
		]);
		expect(r[0]!.value).toBe(0);
		expect(r[0]!.per_retained_user).toBeNull(); // nobody active: no "per retained user"
		expect(r[1]!.value).toBeCloseTo(106 / 3600, 12);
		expect(r[1]!.per_cohort_user).toBeCloseTo(53 / 3600, 12);
		expect(r[1]!.per_retained_user).toBeCloseTo(53 / 3600, 12);
		expect(r[2]!.value).toBeCloseTo(119.5 / 3600, 12);
		expect(r[2]!.per_cohort_user).toBeCloseTo(59.75 / 3600, 12);
	});

	it('filters and breaks down by the cohort users’ country', async () => {
		// US: u1 (cohort 09-28, 51 s in week 1) and u3 (cohort 10-05, 61.5 s in week 0)
		const us = await rows({ filters: { country: ['US'] } });
		expect(us.map((x) => [x.cohort, x.week, x.cohort_users, x.value])).toEqual([
			['2026-09-28', 0, 1, 0],
			['2026-09-28', 1, 1, expect.closeTo(51 / 3600, 12)],
			['2026-10-05', 0, 1, expect.closeTo(61.5 / 3600, 12)]
		]);
		const byCountry = await rows({ group_by: ['country'] });
		expect(byCountry.filter((x) => x.week === 0 && x.cohort === '2026-10-05').map((x) => x.country)).toEqual(['FR', 'US']);
	});

	it('gives money and generations the same triangle (zero where the cohort had none)', async () => {
		for (const metric of ['retention_revenue', 'retention_compute_cost', 'retention_margin', 'retention_generations'] as const) {
			const r = await rows({ metric });
			expect(r.map((x) => [x.cohort, x.week, x.value])).toEqual([
				['2026-09-28', 0, 0],
				['2026-09-28', 1, 0],
				['2026-10-05', 0, 0]
			]);
		}
	});
});
