import { beforeAll, describe, expect, it } from 'vitest';
import { experimentReadout, type Readout } from '../../src/lib/server/experiments/readout.js';
import { experimentConfig } from '../../src/lib/server/experiments/config.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

/*
 * Per-arm economics on the money fixture (tests/integration/money.test.ts has every
 * job's allocated cost, worked out by hand), period [2026-10-01, 2026-10-04), by feed mode:
 *   Human impressions: i1 u_free default v1 0.5 h (10-02), i2 u_paid default v3 1.0 h (10-02), i3 u_free relaxed v4 1.5 h (10-03).
 *   Users' mode for the period (most impressions, then most watch time): u_paid default; u_free 1 : 1, 0.5 h vs 1.5 h → relaxed.
 *   default:  watch 1.5 h; ads i1 $6 + i2 $6 = $12 (by impression); subscription u_paid $30;
 *             u_paid's jobs J1 $132 (8 h) + J5 $120 (12 h); prefill J4 (v3) $120, 24 h, all to default (v3's only impression is i2)
 *             → revenue 42, cost 372, GPU-h 44: margin −330, per GPU-hour −7.5, attention-to-compute 1.5 / 44.
 *   relaxed:  watch 1.5 h; ads 10-03 $3 (i3); u_free's jobs J2 $24 (2 h) + J3 $24 (2 h) + J6 $72 (12 h)
 *             → revenue 3, cost 120, GPU-h 16: margin −117, per GPU-hour −7.3125.
 *   Together: cost 492 = compute spend (every job placed); revenue 45 = 46.50 − the unallocated FR $1.50.
 */
const { open } = useTempWarehouse('loopmeter-arm-economics-');
const PERIOD = { from: '2026-10-01', to: '2026-10-04' };
const CENT = 2;

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
});

const readout = (dimension: 'rec_arm' | 'feed_mode', control: string) => {
	const c = experimentConfig.parse({ min_users: 1, min_days: 1, experiments: [{ id: 'x', title: 'x', dimension, control }] });
	return experimentReadout(c.experiments[0]!, c, PERIOD);
};
const arm = (r: Readout, metric: string, name: string) => r.indicators.find((i) => i.metric === metric)!.arms.find((a) => a.arm === name)!;

describe('economics per feed mode', () => {
	it('charges watch time, ads and feed pre-generation by impression, subscriptions and own generations by the user’s mode', async () => {
		const r = await readout('feed_mode', 'default');
		const margin = { d: arm(r, 'margin_per_gpu_hour', 'default'), r: arm(r, 'margin_per_gpu_hour', 'relaxed') };
		expect(margin.d.numerator).toBeCloseTo(-330, CENT);
		expect(margin.d.denominator).toBeCloseTo(44, CENT);
		expect(margin.d.value).toBeCloseTo(-7.5, CENT);
		expect(margin.r.numerator).toBeCloseTo(-117, CENT);
		expect(margin.r.denominator).toBeCloseTo(16, CENT);
		expect(margin.r.value).toBeCloseTo(-7.3125, 6);
		expect(arm(r, 'ad_revenue', 'default').numerator).toBeCloseTo(12, CENT);
		expect(arm(r, 'ad_revenue', 'relaxed').numerator).toBeCloseTo(3, CENT);
		expect(arm(r, 'subscription_revenue', 'default').numerator).toBeCloseTo(30, CENT);
		expect(arm(r, 'subscription_revenue', 'relaxed').numerator).toBeCloseTo(0, CENT);
		expect(arm(r, 'compute_cost_per_user', 'default').numerator).toBeCloseTo(372, CENT);
		expect(arm(r, 'compute_cost_per_user', 'relaxed').numerator).toBeCloseTo(120, CENT);
		expect(arm(r, 'attention_to_compute', 'default').value).toBeCloseTo(1.5 / 44, 9);
		expect(arm(r, 'attention_to_compute', 'relaxed').value).toBeCloseTo(1.5 / 16, 9);
		// One user a side: a value but no interval, so no verdict.
		expect(r.indicators.find((i) => i.metric === 'margin_per_gpu_hour')!.comparisons[0]).toMatchObject({ arm: 'relaxed', verdict: 'not enough data' });
	});

	it('adds up to the whole spend and the allocated revenue when every impression is in one arm', async () => {
		const r = await readout('rec_arm', 'control');
		const m = arm(r, 'margin_per_gpu_hour', 'control');
		// (42 + 3) − 492 over 60 GPU-hours
		expect(m.numerator).toBeCloseTo(45 - 492, CENT);
		expect(m.denominator).toBeCloseTo(60, CENT);
		expect(arm(r, 'compute_cost_per_user', 'control').numerator).toBeCloseTo(492, CENT);
	});
});
