import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { armPeriods } from '../../src/lib/server/experiments/arm-periods.js';
import { armPeriodsPanel } from '../../src/lib/server/experiments/panel.js';
import { experimentConfig, type ExperimentConfigInput } from '../../src/lib/server/experiments/config.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { GET as experimentGET } from '../../src/routes/api/v1/experiments/[experiment]/+server.js';
import { loadTwoArmFixture, TWO_ARMS_PERIOD } from '../fixtures/experiments/two-arms.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

/*
 * The per-arm table of Engagement (satisfaction by period and arm) on the two-arm
 * fixture (tests/fixtures/experiments/two-arms.ts), worked out by hand:
 *   control c1..c4: 10 impressions each, 2, 0, 1, 1 likes → 4/40 = 0.1
 *   rl-watchtime t1: 40 impressions, 20 likes; t2..t4: 10 impressions, 1 like each → 23/70
 * Per impression (the interval this table used to show) the arms' intervals do not overlap:
 *   control 0.1 ± 1.96·√(3.6/1600) = [0.0070, 0.1930]; rl-watchtime 23/70 ± 1.96·√((23 − 23²/70)/4900) = [0.2186, 0.4386] → "better".
 * Per person (delta method over users): Var_c = Σd²·n/((n−1)(Σx)²) = 2·4/(3·40²), Var_t with d = 20 − 40·23/70 and 3 × (1 − 10·23/70):
 *   delta = 0.228571, half = 1.96·√(Var_c + Var_t) = 0.2682 → the interval includes 0: "no difference".
 */
const { open } = useTempWarehouse('loopmeter-arm-periods-');
const Z = 1.959963984540054;
const recommender = { id: 'recommender', title: 'Recommender', dimension: 'rec_arm', control: 'control' } as const;
const config = (over: Partial<ExperimentConfigInput> = {}) => experimentConfig.parse({ min_users: 4, min_days: 7, experiments: [recommender], ...over });

beforeAll(async () => {
	await open();
	await loadTwoArmFixture();
});

describe('per-arm tables use the readout’s user-clustered intervals', () => {
	it('where the per-impression intervals say "better", the per-person table says "no difference"', async () => {
		// The metric's own per-impression interval: the arms' intervals are clear of each other.
		const naive = (await runMetric({ metric: 'satisfaction_rate', ...TWO_ARMS_PERIOD, grain: 'total', group_by: ['rec_arm'] })).response.rows;
		const [nc, nt] = [naive.find((r) => r.rec_arm === 'control')!, naive.find((r) => r.rec_arm === 'rl-watchtime')!];
		expect(nt.ci_low as number).toBeGreaterThan(nc.ci_high as number);

		const t = await armPeriods({ metric: 'satisfaction_rate', dimension: 'rec_arm', ...TWO_ARMS_PERIOD, grain: 'total' }, config());
		const [c, a] = [t.rows.find((r) => r.rec_arm === 'control')!, t.rows.find((r) => r.rec_arm === 'rl-watchtime')!];
		const varC = (2 * 4) / (3 * 40 * 40);
		const dT = 20 - (40 * 23) / 70, dL = 1 - (10 * 23) / 70;
		const varT = ((dT * dT + 3 * dL * dL) * 4) / (3 * 70 * 70);
		expect(c).toMatchObject({ value: 0.1, users: 4, days: 7, numerator: 4, denominator: 40, verdict: 'control' });
		expect(c.ci_low).toBeCloseTo(0.1 - Z * Math.sqrt(varC), 10);
		expect(a.value).toBeCloseTo(23 / 70, 12);
		expect(a.ci_high).toBeCloseTo(23 / 70 + Z * Math.sqrt(varT), 10);
		const delta = 23 / 70 - 0.1, half = Z * Math.sqrt(varC + varT);
		expect(a.delta).toBeCloseTo(delta, 12);
		expect(a.delta_low).toBeCloseTo(delta - half, 10);
		expect(a.delta_low as number).toBeLessThan(0);
		expect(a.delta_high).toBeCloseTo(delta + half, 10);
		expect(a.verdict).toBe('no difference');
	});

	it('splits by week with the guard per week: what each side still needs, then a verdict once met', async () => {
		// 2026-10-01 is a Thursday: week 09-28 holds 10-01..10-04 (4 days), week 10-05 holds 10-05..10-07 (3 days).
		const t = await armPeriods({ metric: 'satisfaction_rate', dimension: 'rec_arm', ...TWO_ARMS_PERIOD, grain: 'week' }, config());
		expect(t.rows.map((r) => [r.period, r.rec_arm, r.users, r.days, r.numerator, r.denominator, r.verdict])).toEqual([
			// Impression j of a user is on day j mod 7: a 10-impression user has 7 in the first week, 3 in the second;
			// t1's 40 fall 24 / 16, its 20 likes (j < 20) 12 / 8; every other like is in the first week.
			['2026-09-28', 'control', 4, 4, 4, 28, 'control'],
			['2026-09-28', 'rl-watchtime', 4, 4, 15, 45, 'not enough data'],
			['2026-10-05', 'control', 4, 3, 0, 12, 'control'],
			['2026-10-05', 'rl-watchtime', 4, 3, 8, 25, 'not enough data']
		]);
		expect(t.rows[1]!.why).toBe('control: 3 more days (4 of 7); rl-watchtime: 3 more days (4 of 7)');
		// Guard met (4 days): week 09-28, control 4/28 with d = (1, −1, 0, 0); rl-watchtime 15/45 with d = 12 − 24/3 = 4 and 3 × (1 − 7/3).
		const met = await armPeriods({ metric: 'satisfaction_rate', dimension: 'rec_arm', ...TWO_ARMS_PERIOD, grain: 'week' }, config({ min_days: 4 }));
		const w = met.rows[1]!;
		const varC = (2 * 4) / (3 * 28 * 28);
		const varT = ((16 + 3 * (4 / 3) ** 2) * 4) / (3 * 45 * 45);
		const delta = 1 / 3 - 1 / 7;
		expect(w.delta).toBeCloseTo(delta, 12);
		expect(w.delta_low).toBeCloseTo(delta - Z * Math.sqrt(varC + varT), 10);
		expect(w.verdict).toBe('no difference');
		// Week 10-05 still lacks days: 3 of 4.
		expect(met.rows[3]!.why).toBe('control: 1 more days (3 of 4); rl-watchtime: 1 more days (3 of 4)');
	});

	it('the page panel carries the exact SQL, and the experiments API gives the same rows as JSON and CSV', async () => {
		const c = config();
		const panel = await armPeriodsPanel('satisfaction_rate', 'rec_arm', { ...TWO_ARMS_PERIOD, grain: 'total' }, c);
		expect(panel.ok).toBe(true);
		if (!panel.ok) return;
		expect(panel.meta.sql).toContain('countIf(x > 0) AS n');
		expect(panel.meta.csvHref).toBe(`/api/v1/experiments/recommender?from=${TWO_ARMS_PERIOD.from}&to=${TWO_ARMS_PERIOD.to}&indicator=satisfaction_rate&grain=total&format=csv`);
		const direct = await armPeriods({ metric: 'satisfaction_rate', dimension: 'rec_arm', ...TWO_ARMS_PERIOD, grain: 'total' }, c);
		expect(panel.response.rows).toEqual(direct.rows);
	});

	it('the experiments API answers ?indicator= by period (the configured experiment), and names a bad indicator', async () => {
		const get = async (qs: string) => {
			const url = new URL(`http://x/api/v1/experiments/recommender?from=${TWO_ARMS_PERIOD.from}&to=${TWO_ARMS_PERIOD.to}&${qs}`);
			return (await experimentGET({ params: { experiment: 'recommender' }, url, request: new Request(url) } as never)) as Response;
		};
		const json = await (await get('indicator=satisfaction_rate&grain=total')).json();
		expect(json.control).toBe('control');
		const arm = json.rows.find((r: { rec_arm: string }) => r.rec_arm === 'rl-watchtime');
		const csv = Papa.parse<Record<string, string>>(await (await get('indicator=satisfaction_rate&grain=total&format=csv')).text(), { header: true, skipEmptyLines: true }).data;
		const csvArm = csv.find((r) => r.rec_arm === 'rl-watchtime')!;
		expect(Number(csvArm.delta_low)).toBeCloseTo(arm.delta_low, 12);
		expect(csvArm.verdict).toBe(arm.verdict);
		await expect(get('indicator=slop_index')).rejects.toMatchObject({ status: 400, body: { message: expect.stringMatching(/^indicator: slop_index has no per-user form/) } });
	});
});
