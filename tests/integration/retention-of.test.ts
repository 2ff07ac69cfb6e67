import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { GET as metricGET } from '../../src/routes/api/v1/metrics/[id]/+server.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import type { MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { loadEngagementFixture } from '../fixtures/engagement/load.js';
import { loadFirstPaidFixture } from '../fixtures/engagement/first-paid.js';
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
const { dataDir, open } = useTempWarehouse('loopmeter-retention-of-');
const base = { from: '2026-09-28', to: '2026-10-19', grain: 'total' } as const;

beforeAll(async () => {
	await open();
	await loadEngagementFixture();
	await loadFirstPaidFixture();
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
		for (const metric of ['retention_compute_cost', 'retention_generations'] as const) {
			const r = await rows({ metric });
			expect(r.map((x) => [x.cohort, x.week, x.value])).toEqual([
				['2026-09-28', 0, 0],
				['2026-09-28', 1, 0],
				['2026-10-05', 0, 0]
			]);
		}
	});

	it('counts signup-week revenue of the cohort users to the cent (first-paid fixture: $1.00 a day each)', async () => {
		// Cohort 09-28 (u1, u2): week 0 u2 09-30..10-04 = $5.00 (u1's trial is $0); week 1 u1 10-06..10-11 $6.00 + u2 10-05..10-09 $5.00.
		// Cohort 10-05 (u3, u4): week 0 u3 10-07..10-11 = $5.00; u4's invoice is unpaid.
		const r = await rows({ metric: 'retention_revenue' });
		expect(r.map((x) => [x.cohort, x.week, x.value])).toEqual([
			['2026-09-28', 0, 5],
			['2026-09-28', 1, 11],
			['2026-10-05', 0, 5]
		]);
	});
});

/*
 * The same fixture by first-paid week (tests/fixtures/engagement/first-paid.ts):
 *   cohort 2026-09-28: u2 (first paid 09-30; DE);  cohort 2026-10-05: u1 (10-06; its 09-29 $0 trial does not count) and u3 (10-07), both US.
 *   u4 has only an open invoice: in no cohort. Horizon 10-16 as above: cohort 09-28 weeks 0-1, cohort 10-05 week 0.
 *   cohort 09-28 week 0 (09-28..10-04): u2 not active → 0 s, revenue 09-30..10-04 = $5.00.
 *   cohort 09-28 week 1 (10-05..10-11): u2 i5 20 + i6 15 + i7 20 = 55 s, revenue 10-05..10-09 = $5.00.
 *   cohort 10-05 week 0: u1 i1 20 + i2 1 + i3 20 + i4 10 = 51 s (10-05 is before u1 paid but in the cohort week),
 *     u3 i8 20 + i9 20 + i10 1.5 + i11 20 = 61.5 s → 112.5 s, 2 retained of 2; revenue u1 10-06..10-11 $6.00 + u3 10-07..10-11 $5.00 = $11.00.
 */
describe('retention by first-paid week', () => {
	const firstPaid = { cohort_by: 'first_paid_week' } as const;

	it('cohorts users by the week of their first paid invoice: watch-hours of two cohorts by hand', async () => {
		const { response } = await runMetric({ ...base, metric: 'retention_watch_hours', ...firstPaid });
		expect(response.cohort_by).toBe('first_paid_week');
		expect(response.rows.map((x) => [x.cohort, x.week, x.cohort_users, x.retained_users])).toEqual([
			['2026-09-28', 0, 1, 0],
			['2026-09-28', 1, 1, 1],
			['2026-10-05', 0, 2, 2]
		]);
		expect(response.rows[0]!.value).toBe(0);
		expect(response.rows[1]!.value).toBeCloseTo(55 / 3600, 12);
		expect(response.rows[1]!.per_cohort_user).toBeCloseTo(55 / 3600, 12);
		expect(response.rows[2]!.value).toBeCloseTo(112.5 / 3600, 12);
		expect(response.rows[2]!.per_cohort_user).toBeCloseTo(56.25 / 3600, 12);
		expect(response.rows[2]!.per_retained_user).toBeCloseTo(56.25 / 3600, 12);
	});

	it('gives revenue of the first-paid cohorts to the cent', async () => {
		const r = await rows({ metric: 'retention_revenue', ...firstPaid });
		expect(r.map((x) => [x.cohort, x.week, x.value])).toEqual([
			['2026-09-28', 0, 5],
			['2026-09-28', 1, 5],
			['2026-10-05', 0, 11]
		]);
	});

	it('lists the same cohort users behind the triangle, with their first payment and active weeks', async () => {
		const drill = await runDrilldown({ ...base, metric: 'retention_watch_hours', ...firstPaid });
		expect(drill.rows.map((r) => [r.user_id, r.cohort, String(r.first_paid_at).slice(0, 10), r.active_weeks])).toEqual([
			['u2', '2026-09-28', '2026-09-30', [1]],
			['u1', '2026-10-05', '2026-10-06', [0]],
			['u3', '2026-10-05', '2026-10-07', [0, 1]]
		]);
		// By signup week (the default) the rows are the signup cohorts, u4 included.
		const bySignup = await runDrilldown({ ...base, metric: 'retention_watch_hours' });
		expect(bySignup.rows.map((r) => [r.user_id, r.cohort])).toEqual([
			['u1', '2026-09-28'],
			['u2', '2026-09-28'],
			['u3', '2026-10-05'],
			['u4', '2026-10-05']
		]);
	});

	it('filters first-paid cohorts by country', async () => {
		const de = await rows({ ...firstPaid, filters: { country: ['DE'] } });
		expect(de.map((x) => [x.cohort, x.week, x.cohort_users])).toEqual([
			['2026-09-28', 0, 1],
			['2026-09-28', 1, 1]
		]);
	});

	it('refuses a cohort basis on a metric without cohorts, naming the field', async () => {
		await expect(runMetric({ ...base, metric: 'watch_hours', cohort_by: 'first_paid_week' })).rejects.toThrow(/^cohort_by: watch_hours has no cohorts/);
		await expect(runMetric({ ...base, metric: 'retention_watch_hours', cohort_by: 'first_payment' as 'first_paid_week' })).rejects.toThrow(/cohort_by/);
	});

	it('takes cohort_by from the API query string, JSON and CSV alike', async () => {
		const api = async (qs: string) => {
			const url = new URL(`http://x/api/v1/metrics/retention_watch_hours?from=${base.from}&to=${base.to}&grain=total&${qs}`);
			return (await metricGET({ params: { id: 'retention_watch_hours' }, url, request: new Request(url) } as never)) as Response;
		};
		const json = await (await api('cohort_by=first_paid_week')).json();
		expect(json.cohort_by).toBe('first_paid_week');
		expect(json.rows.map((r: { cohort: string; cohort_users: number }) => [r.cohort, r.cohort_users])).toEqual([
			['2026-09-28', 1],
			['2026-09-28', 1],
			['2026-10-05', 2]
		]);
		const csv = Papa.parse<Record<string, string>>(await (await api('cohort_by=first_paid_week&format=csv')).text(), { header: true, skipEmptyLines: true }).data;
		expect(Number(csv[2]!.value)).toBeCloseTo(112.5 / 3600, 12);
		await expect(api('cohort_by=first_payment')).rejects.toMatchObject({ status: 400, body: { message: expect.stringMatching(/^cohort_by: /) } });
	});

	it(
		'the CLI takes --cohort-by',
		async () => {
			await closeWarehouse();
			const run = promisify(execFile);
			try {
				const { stdout } = await run(
					'node',
					['bin/loopmeter.js', 'metrics', 'retention_revenue', '--from', base.from, '--to', base.to, '--cohort-by', 'first_paid_week', '--json'],
					{ env: { ...process.env, LOOPMETER_DATA: dataDir }, timeout: 120_000 }
				);
				const out = JSON.parse(stdout);
				expect(out.cohort_by).toBe('first_paid_week');
				expect(out.rows.map((r: { cohort: string; week: number; value: number }) => [r.cohort, r.week, r.value])).toEqual([
					['2026-09-28', 0, 5],
					['2026-09-28', 1, 5],
					['2026-10-05', 0, 11]
				]);
			} finally {
				await open();
			}
		},
		600_000
	);
});
