import { beforeAll, describe, expect, it } from 'vitest';
import { experimentReadout, type Readout } from '../../src/lib/server/experiments/readout.js';
import { experimentConfig, type ExperimentConfigInput } from '../../src/lib/server/experiments/config.js';
import { loadTwoArmFixture, TWO_ARMS_PERIOD } from '../fixtures/experiments/two-arms.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// Fixture: tests/fixtures/experiments/two-arms.ts. Every expected value is worked out by hand beside it.
const { open } = useTempWarehouse('loopmeter-experiments-');
const Z = 1.959963984540054; // 97.5 % normal quantile

const recommender = { id: 'recommender', title: 'Recommender', dimension: 'rec_arm', control: 'control', split: { control: 1, 'rl-watchtime': 1 } } as const;
const config = (over: Partial<ExperimentConfigInput> = {}) => experimentConfig.parse({ min_users: 4, min_days: 7, experiments: [recommender], ...over });
const read = (over: Partial<ExperimentConfigInput> = {}, split?: Record<string, number>) => {
	const c = config(over);
	return experimentReadout({ ...c.experiments[0]!, ...(split ? { split } : {}) }, c, TWO_ARMS_PERIOD);
};
const indicator = (r: Readout, metric: string) => r.indicators.find((i) => i.metric === metric)!;

beforeAll(async () => {
	await open();
	await loadTwoArmFixture();
});

describe('experiment readout on a two-arm fixture', () => {
	it('clusters by person: the per-impression interval says better, the per-person one does not', async () => {
		const r = await read();
		const sat = indicator(r, 'satisfaction_rate');
		const control = sat.arms.find((a) => a.arm === 'control')!;
		const arm = sat.arms.find((a) => a.arm === 'rl-watchtime')!;
		// control: 4 likes / 40 impressions = 0.1; rl-watchtime: (20 + 1 + 1 + 1) / (40 + 30) = 23/70
		expect(control.value).toBeCloseTo(0.1, 12);
		expect(arm.value).toBeCloseTo(23 / 70, 12);
		expect([control.users, arm.users]).toEqual([4, 4]);
		// Per user d_i = y_i − R·x_i. control: (2−1, 0−1, 1−1, 1−1) → Σd² = 2; Var = Σd²·n / ((n−1)·(Σx)²) = 2·4 / (3·40²) = 1/600
		const varC = (2 * 4) / (3 * 40 * 40);
		// rl-watchtime: d = 20 − 40·23/70 = 6.857143 and three times 1 − 10·23/70 = −2.285714 → Σd² = 62.693878; Var = Σd²·4 / (3·70²) = 0.0170595
		const dT = 20 - (40 * 23) / 70, dL = 1 - (10 * 23) / 70;
		const varT = ((dT * dT + 3 * dL * dL) * 4) / (3 * 70 * 70);
		expect(varT).toBeCloseTo(0.0170595, 6);
		const delta = 23 / 70 - 0.1; // 0.228571
		const half = Z * Math.sqrt(varC + varT); // 1.96 · 0.136844 = 0.268209
		const cmp = sat.comparisons[0]!;
		expect(cmp.arm).toBe('rl-watchtime');
		expect(cmp.delta).toBeCloseTo(delta, 12);
		expect(cmp.low).toBeCloseTo(delta - half, 10); // −0.0396: the interval includes 0
		expect(cmp.high).toBeCloseTo(delta + half, 10);
		expect(cmp.verdict).toBe('no difference');
		// Per impression (each a 0/1 draw): Var = (Σy − R·Σy)/(Σx)² · … = (Σy² − 2R·Σy + R²·n)/n²
		// control (4 − 0.8 + 0.4)/1600 = 0.00225; rl-watchtime (23 − 23²/70)/4900 = 0.0031516 → half = 1.96·0.073325 = 0.143715
		const naiveHalf = Z * Math.sqrt(3.6 / 1600 + (23 - (23 * 23) / 70) / 4900);
		expect(cmp.naive.low).toBeCloseTo(delta - naiveHalf, 10); // 0.0849 > 0
		expect(cmp.naive.verdict).toBe('better');
	});

	it('withholds a verdict until each arm has the configured users and days, and says what is missing', async () => {
		const r = await read({ min_users: 5, min_days: 8 });
		expect(r.arms.map((a) => [a.arm, a.users, a.days, a.exposure_start])).toEqual([
			['control', 4, 7, '2026-10-01'],
			['rl-watchtime', 4, 7, '2026-10-01']
		]);
		expect(r.arms[0]!.missing).toEqual(['1 more users (4 of 5)', '1 more days (7 of 8)']);
		const cmp = indicator(r, 'satisfaction_rate').comparisons[0]!;
		expect(cmp.verdict).toBe('not enough data');
		expect(cmp.why).toContain('control: 1 more users (4 of 5)');
		expect(cmp.why).toContain('rl-watchtime: 1 more users (4 of 5), 1 more days (7 of 8)');
		// The guard met: the verdict comes back (watch-hours per user: every user watched 10 s per impression,
		// control 4 × 100 s, rl-watchtime 400 s + 3 × 100 s → 1/36 h vs (7/4)/36 h per user).
		const ok = await read();
		const watch = indicator(ok, 'watch_hours');
		expect(watch.arms.find((a) => a.arm === 'control')!.value).toBeCloseTo(100 / 3600, 12);
		expect(watch.arms.find((a) => a.arm === 'rl-watchtime')!.value).toBeCloseTo(700 / 4 / 3600, 12);
		expect(watch.comparisons[0]!.verdict).not.toBe('not enough data');
		// The Slop Index rides along per arm (no per-user form, so no interval).
		expect(ok.slopIndex?.map((a) => a.arm)).toEqual(['control', 'rl-watchtime']);
	});

	it('flags a sample-ratio mismatch when users per arm are off the configured split beyond chance', async () => {
		// 4 and 4 users against 50/50: χ² = 0, p = 1
		const even = await read();
		expect(even.srm!.chi2).toBeCloseTo(0, 12);
		expect(even.srm!.mismatch).toBe(false);
		// against 90/10: expected 7.2 and 0.8 → χ² = 3.2²/7.2 + 3.2²/0.8 = 1.4222 + 12.8 = 14.2222, 1 dof, p = 0.000162 < 0.001
		const skewed = await read({}, { control: 0.9, 'rl-watchtime': 0.1 });
		expect(skewed.srm!.chi2).toBeCloseTo(3.2 ** 2 / 7.2 + 3.2 ** 2 / 0.8, 10);
		expect(skewed.srm!.p).toBeCloseTo(0.000162, 5);
		expect(skewed.srm!.mismatch).toBe(true);
	});

	it('reads the same numbers from the rollups and from the raw tables', async () => {
		const c = config();
		const [a, b] = [await experimentReadout(c.experiments[0]!, c, TWO_ARMS_PERIOD), await experimentReadout(c.experiments[0]!, c, { ...TWO_ARMS_PERIOD, forceRaw: true })];
		expect(b.indicators.map((i) => i.arms.map((x) => x.value))).toEqual(a.indicators.map((i) => i.arms.map((x) => x.value)));
	});
});
