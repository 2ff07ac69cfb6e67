import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open } = useTempWarehouse('loopmeter-idle-policy-');
import { ingest } from '../../ingest/index.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { listMetrics } from '../../src/lib/server/metrics/registry.js';
import { readConfig, ConfigError } from '../../src/lib/server/config.js';
import type { IdlePolicy, MetricId, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';

/*
 * Idle-sharing policies on the money fixture (tests/integration/money.test.ts) plus one eval job
 * (tests/fixtures/finance/idle_policy_jobs.ndjson): J8 eval, rent-a, 1 GPU, 10-01 04:00–12:00 = 8 h,
 * so that 10-01 on rent-a has three plans with unequal hours. Period [2026-10-01, 2026-10-04).
 *
 * Cluster-days (spend, provisioned h, utilized h, provisioned rate = spend / provisioned):
 *   rent-a 10-01  96, 48, 16 (J1 pro 4, J2 free 2, J3 free 2, J8 eval 8), $2.00  → idle 96 − 32 = 64
 *   rent-a 10-02  84, 48,  4 (J1 pro 4),                                  $1.75  → idle 84 − 7 = 77
 *   rent-a 10-03  72, 48, 12 (J6 free 12),                                $1.50  → idle 72 − 18 = 54
 *   own-b  10-02 120, 96, 24 (J4 feed_prefill 24),                        $1.25  → idle 120 − 30 = 90
 *   own-b  10-03 120, 96, 12 (J5 pro 12),                                 $1.25  → idle 120 − 15 = 105
 * by_use (spend / utilized): rent-a 10-01 $6: J1 24 + 84 (10-02 at $21), J2 12, J3 12, J8 48; J4 120, J5 120, J6 72.
 *   pro 228, free 96, feed_prefill 120, eval 48 → Σ 492.
 * separate (provisioned rate): J1 8 + 7 = 15, J2 4, J3 4, J8 16, J4 30, J5 15, J6 18;
 *   pro 30, free 26, feed_prefill 30, eval 16, (idle) 64 + 77 + 54 + 90 + 105 = 390 → Σ 492.
 * even: 10-01 rent-a idle 64 / 3 plans = 21.333… each: pro J1 8 + 21.333 = 29.333; free J2, J3 4 + 10.667 = 14.667
 *   each; eval J8 16 + 21.333 = 37.333. Single-plan cluster-days carry all their idle (J1 10-02 84, J6 72, J4 120,
 *   J5 120). pro 29.333 + 84 + 120 = 233.333, free 101.333, feed_prefill 120, eval 37.333 → Σ 492.
 * Revenue: pro 36, free 9 (money fixture); GPU-hours pro 20, free 16. User-days pro 3, free 5 (30.4375 days a month).
 *   margin per GPU-hour, pro: by_use (36 − 228) / 20 = −9.6; separate (36 − 30) / 20 = 0.3; even (36 − 233.333) / 20 = −9.8667.
 *                        free: by_use (9 − 96) / 16 = −5.4375; separate (9 − 26) / 16 = −1.0625; even (9 − 101.333) / 16 = −5.7708.
 *   compute cost per user, pro: 228 / (3 / 30.4375) = 2313.25; 30 → 304.375; 233.333 → 2367.36.
 *   Overall margin per GPU-hour: (46.5 − 492) / 68 under every policy.
 */
const PERIOD = { from: '2026-10-01', to: '2026-10-04' };
const CENT = 2;
const PER_MONTH = 30.4375;

const rows = async (metric: MetricId, extra: Partial<MetricRequestInput> = {}) =>
	(await runMetric({ metric, ...PERIOD, grain: 'total', ...extra })).response;
const byPlan = async (metric: MetricId, idle_policy?: IdlePolicy) =>
	Object.fromEntries((await rows(metric, { group_by: ['plan'], idle_policy })).rows.map((r) => [String(r.plan), r]));

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
	const path = fileURLToPath(new URL('../fixtures/finance/idle_policy_jobs.ndjson', import.meta.url));
	const [report] = await ingest({ source: 'generation_jobs', paths: [path], format: 'ndjson', quiet: true, actor: 'idle-policy-test' });
	if (report?.rows_loaded !== 1) throw new Error(`J8 not loaded: ${JSON.stringify(report)}`);
});

describe('idle-sharing policy', () => {
	const expected: Record<IdlePolicy, Record<string, number>> = {
		by_use: { pro: 228, free: 96, feed_prefill: 120, eval: 48 },
		separate: { pro: 30, free: 26, feed_prefill: 30, eval: 16, '(idle)': 390 },
		even: { pro: 700 / 3, free: 304 / 3, feed_prefill: 120, eval: 112 / 3 }
	};
	for (const [policy, costs] of Object.entries(expected) as [IdlePolicy, Record<string, number>][]) {
		it(`charges the plans by ${policy} and still adds up to spend`, async () => {
			const m = await byPlan('margin_per_gpu_hour', policy);
			const charged = Object.fromEntries(Object.entries(m).filter(([, r]) => Number(r.compute_cost_usd) !== 0).map(([p, r]) => [p, r.compute_cost_usd]));
			expect(Object.keys(charged).sort()).toEqual(Object.keys(costs).sort());
			for (const [plan, cost] of Object.entries(costs)) expect(charged[plan] as number, plan).toBeCloseTo(cost, CENT);
			expect(Object.values(m).reduce((s, r) => s + Number(r.compute_cost_usd), 0)).toBeCloseTo(492, CENT);
		});
	}

	it('moves per-plan margin and cost per user to the hand-computed figures', async () => {
		const cases: [IdlePolicy, number, number, number][] = [
			['by_use', -9.6, -5.4375, 2313.25],
			['separate', 0.3, -1.0625, 304.375],
			['even', (36 - 700 / 3) / 20, (9 - 304 / 3) / 16, ((700 / 3) * PER_MONTH) / 3]
		];
		for (const [policy, pro, free, proCostPerUser] of cases) {
			const m = await byPlan('margin_per_gpu_hour', policy);
			expect(m.pro!.value as number, policy).toBeCloseTo(pro, CENT);
			expect(m.free!.value as number, policy).toBeCloseTo(free, CENT);
			const c = await byPlan('compute_cost_per_user', policy);
			expect(c.pro!.value as number, policy).toBeCloseTo(proCostPerUser, CENT);
			const g = await byPlan('gross_margin', policy);
			expect(g.pro!.value as number, policy).toBeCloseTo((36 - Number(m.pro!.compute_cost_usd)) / 36, 9);
		}
	});

	/** Components of the unit-economics metrics that split the free tier from the paying plans: they follow the policy. */
	const FREE_TIER_PARTS = ['free_compute_cost_usd', 'free_tier_subsidy_usd', 'paid_surplus_usd', 'paid_cover_of_subsidy', 'system_compute_usd'];

	it('changes nothing else but the free tier: every metric total, and revenue and ARPU per plan, are the same under every policy; the free-tier balance moves as worked out', async () => {
		const overall = await rows('margin_per_gpu_hour', { idle_policy: 'separate' });
		expect(overall.rows[0]!.value as number).toBeCloseTo((46.5 - 492) / 68, 9);
		// Every metric under `separate` (the policy that moves most); the money metrics under `even` too.
		const money = new Set<MetricId>(['compute_spend', 'idle_cost', 'cost_per_gpu_hour', 'dead_compute', 'revenue', 'margin_per_gpu_hour', 'gross_margin', 'arpu', 'compute_cost_per_user', 'cost_per_output_second', 'cost_per_clip']);
		// The free tier's balance is a per-plan split too, so it follows the policy (checked below); the rest may not move.
		const withoutFreeTier = (rs: Record<string, unknown>[]) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !FREE_TIER_PARTS.includes(k))));
		for (const def of listMetrics()) {
			const base = await rows(def.id, { idle_policy: 'by_use' });
			for (const idle_policy of money.has(def.id) ? (['separate', 'even'] as const) : (['separate'] as const)) {
				const other = await rows(def.id, { idle_policy });
				expect(withoutFreeTier(other.rows), `${def.id} under ${idle_policy}`).toEqual(withoutFreeTier(base.rows));
			}
		}
		// Under separate the 390 of idle capacity leaves the plans for the idle line: free keeps its used 26 of 96,
		// pro its used 30 of 228 (pro's revenue is 36), and the lines of no user carry 492 − 26 − 30 = 436.
		const t = overall.rows[0]!;
		expect(t.free_compute_cost_usd as number).toBeCloseTo(26, CENT);
		expect(t.free_tier_subsidy_usd as number).toBeCloseTo(26 - 9, CENT);
		expect(t.paid_surplus_usd as number).toBeCloseTo(36 - 30, CENT);
		expect(t.paid_cover_of_subsidy as number).toBeCloseTo(6 / 17, 9);
		expect(t.system_compute_usd as number).toBeCloseTo(436, CENT);
		const byUse = (await rows('margin_per_gpu_hour', { idle_policy: 'by_use' })).rows[0]!;
		expect(byUse.free_tier_subsidy_usd as number).toBeCloseTo(96 - 9, CENT);
		expect(byUse.paid_surplus_usd as number).toBeCloseTo(36 - 228, CENT);
		const revenue = await byPlan('revenue', 'by_use');
		expect(await byPlan('revenue', 'separate')).toEqual(revenue);
		const arpu = await byPlan('arpu', 'by_use');
		const arpuSeparate = await byPlan('arpu', 'separate');
		// Plans with users keep their ARPU; the idle line has no users (its ARPU is null).
		for (const plan of ['pro', 'free']) expect(arpuSeparate[plan]!.value, plan).toBe(arpu[plan]!.value);
		expect(arpuSeparate['(idle)']!.value).toBeNull();
	}, 300_000);

	it('says which policy the figures follow, only where they depend on it', async () => {
		expect((await rows('margin_per_gpu_hour', { idle_policy: 'even' })).idle_policy).toBe('even');
		expect((await rows('margin_per_gpu_hour')).idle_policy).toBe('by_use');
		expect((await rows('compute_spend', { idle_policy: 'even' })).idle_policy).toBeUndefined();
	});

	it('lists the idle line among the rows behind the margin under separate', async () => {
		const drill = await runDrilldown({ metric: 'margin_per_gpu_hour', ...PERIOD, idle_policy: 'separate' });
		const idle = drill.rows.filter((r) => r.plan === '(idle)');
		expect(idle.reduce((s, r) => s + Number(r.cost_usd), 0)).toBeCloseTo(390, CENT);
		expect(drill.rows.reduce((s, r) => s + Number(r.by_use_cost_usd), 0)).toBeCloseTo(492, CENT);
		expect(drill.rows.reduce((s, r) => s + Number(r.cost_usd), 0)).toBeCloseTo(492, CENT);
	});

	it('takes its default from LOOPMETER_IDLE_POLICY, and names the variable when it is wrong', async () => {
		process.env.LOOPMETER_IDLE_POLICY = 'separate';
		try {
			const r = await rows('margin_per_gpu_hour', { group_by: ['plan'] });
			expect(r.idle_policy).toBe('separate');
			expect(r.rows.find((x) => x.plan === 'pro')!.value as number).toBeCloseTo(0.3, CENT);
			process.env.LOOPMETER_IDLE_POLICY = 'fair';
			expect(() => readConfig()).toThrow(ConfigError);
			expect(() => readConfig()).toThrow(/LOOPMETER_IDLE_POLICY must be one of: by_use, separate, even/);
		} finally {
			delete process.env.LOOPMETER_IDLE_POLICY;
		}
	});

	it('refuses an unknown policy in a request, naming the field', async () => {
		await expect(runMetric({ metric: 'margin_per_gpu_hour', ...PERIOD, idle_policy: 'fair' as IdlePolicy })).rejects.toThrow(/^idle_policy: /);
	});
});
