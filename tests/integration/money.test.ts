import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { dataDir, open } = useTempWarehouse('loopmeter-money-');
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { topRequesters } from '../../src/lib/server/pages/top-requesters.js';
import type { MetricId, MetricRequestInput, WhatIf } from '../../src/lib/contracts/metrics.js';
import { GET as metricGET } from '../../src/routes/api/v1/metrics/[id]/+server.js';
import { GET as rowsGET } from '../../src/routes/api/v1/metrics/[id]/rows/+server.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';

/*
 * The money fixture (tests/fixtures/money/), period [2026-10-01, 2026-10-04): 3 days.
 *
 * Fleet
 *   rent-a H100 rented, 2 GPUs: $2.00/GPU-h until 10-02 12:00, then $1.50 (price change mid-period).
 *   own-b H200 owned, 4 GPUs from 10-02 00:00 (expansion mid-period):
 *     amortization 21900 / (30 × 730) = $1.00, power 1000 W / 1000 × 1.5 PUE × $0.10 = $0.15,
 *     maintenance 73 / 730 = $0.10 → $1.25/GPU-h.
 *   Provisioned: rent-a 48 + 48 + 48 = 144 h; own-b 96 + 96 = 192 h; total 336 h.
 *   Spend: rent-a d1 48 × 2 = 96, d2 24 × 2 + 24 × 1.5 = 84, d3 48 × 1.5 = 72 → 252;
 *          own-b 192 × 1.25 = 240 (amortization 192, power 28.80, maintenance 19.20); total $492.
 * Jobs (GPU-hours in the period)
 *   J1 u_paid (pro) rent-a 2 GPUs 10-01 22:00 → 10-02 02:00, crosses midnight: d1 4 h, d2 4 h; succeeded, v1.
 *   J2 u_free rent-a 1 GPU 10-01 10:00–12:00: 2 h, failed (request r2).
 *   J3 u_free rent-a 1 GPU 10-01 12:00–14:00: 2 h, succeeded, v2 (retry of r2; v2 never watched by a human).
 *   J4 feed_prefill own-b 4 GPUs 10-02 06:00–12:00: 24 h, succeeded, v3.
 *   J5 u_paid own-b 2 GPUs 10-03 00:00–06:00: 12 h, moderated.
 *   J6 u_free rent-a 2 GPUs 10-03 08:00–14:00: 12 h, succeeded, v4.
 *   J7 eval own-b 10-04: outside the period.
 *   Utilized: 8 + 4 + 12 + 24 + 12 = 60 h → utilization 60 / 336.
 * Cluster-day rates (spend / utilized): rent-a d1 96 / 8 = 12, d2 84 / 4 = 21, d3 72 / 12 = 6;
 *   own-b d2 120 / 24 = 5, d3 120 / 12 = 10.
 *   Allocated: J1 4 × 12 + 4 × 21 = 132, J2 24, J3 24, J4 120, J5 120, J6 72 → Σ 492 = spend.
 * Idle cost per cluster-day = spend × (1 − utilized / provisioned):
 *   96 × 40/48 = 80, 84 × 44/48 = 77, 72 × 36/48 = 54, 120 × 72/96 = 90, 120 × 84/96 = 105 → 406.
 * Dead compute: J2 failed 2 h $24, J5 moderated 12 h $120, J3 never watched 2 h $24 → 16 h, $168;
 *   share 16 / 60 of hours, 168 / 492 of cost.
 * Watch-hours (human): i1 0.5 + i2 1.0 + i3 1.5 = 3.0 (i4 is internal; i5, i6 after the period).
 *   Attention-to-compute = 3 / 60 = 0.05.
 *   Cohort: v1 0.5 h / r1 8 h; v2 0 / r2 (J2 + J3) 4 h; v3 1 / 24; v4 (i3 1.5 + i6 1.0) 2.5 / 12
 *     → 4.0 / 48 = 0.083333…; i5 is more than 7 days after v1.
 * Revenue: subscription u_paid pro $300 over 30 days = $10/day → $30.
 *   Ads: 10-02 US $12 → US viewers i1 (u_free) and i2 (u_paid), 1 impression each → $6 + $6;
 *        10-03 all $3 → i3 (u_free) → $3; 10-01 FR $1.50 → no FR viewer → unallocated.
 *   Ad revenue 16.50; revenue 46.50. Per plan: pro 30 + 6 = 36, free 6 + 3 = 9, (unallocated) 1.50.
 * User-days (account existed, not internal): u_paid 3 (pro), u_free 3, u_new 2 (signed up 10-02) → free 5; total 8.
 * Unit economics (30.4375 days per month):
 *   margin per GPU-hour = (46.5 − 492) / 60 = −7.425; gross margin = −445.5 / 46.5.
 *   pro: (36 − 252) / 20 = −10.8; free: (9 − 120) / 16 = −6.9375; feed_prefill: −120 / 24 = −5.
 *   ARPU = 46.5 / (8 / 30.4375) = 176.91796875; pro 36 / (3 / 30.4375) = 365.25; free 9 / (5 / 30.4375) = 54.7875.
 *   Compute cost per user = 492 / (8 / 30.4375) = 1871.90625; pro 252 / (3 / 30.4375) = 2556.75; free 120 / (5 / 30.4375) = 730.5.
 */
const PERIOD = { from: '2026-10-01', to: '2026-10-04' };
const CENT = 2; // toBeCloseTo digits: |Δ| < 0.005
const SECOND = 5; // |Δ| < 0.000005 h, well under a second (1/3600 h)

const expectedTotals: Partial<Record<MetricId, { value: number; digits: number }>> = {
	compute_spend: { value: 492, digits: CENT },
	provisioned_gpu_hours: { value: 336, digits: SECOND },
	utilized_gpu_hours: { value: 60, digits: SECOND },
	utilization: { value: 60 / 336, digits: 9 },
	idle_cost: { value: 406, digits: CENT },
	cost_per_gpu_hour: { value: 8.2, digits: CENT },
	dead_compute: { value: 16, digits: SECOND },
	ad_revenue: { value: 16.5, digits: CENT },
	revenue: { value: 46.5, digits: CENT },
	margin_per_gpu_hour: { value: -7.425, digits: CENT },
	gross_margin: { value: -445.5 / 46.5, digits: 9 },
	arpu: { value: 176.91796875, digits: CENT },
	compute_cost_per_user: { value: 1871.90625, digits: CENT },
	watch_hours: { value: 3, digits: SECOND },
	attention_to_compute: { value: 0.05, digits: 9 },
	attention_to_compute_cohort: { value: 4 / 48, digits: 9 }
};

const total = async (metric: MetricId, extra: Partial<MetricRequestInput> = {}) =>
	(await runMetric({ metric, ...PERIOD, grain: 'total', ...extra })).response.rows;
const byKey = (rows: Record<string, unknown>[], key: string) => Object.fromEntries(rows.map((r) => [String(r[key]), r]));

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
});

describe('money metrics on the hand-computed fixture', () => {
	for (const [metric, exp] of Object.entries(expectedTotals)) {
		it(`${metric} for the period is ${exp.value}`, async () => {
			const rows = await total(metric as MetricId);
			expect(rows).toHaveLength(1);
			expect(rows[0]!.value as number).toBeCloseTo(exp.value, exp.digits);
		});
	}

	it('splits spend by cost component and ownership to the cent', async () => {
		const c = byKey(await total('compute_spend', { group_by: ['cost_component'] }), 'cost_component');
		expect(c.rental!.value).toBeCloseTo(252, CENT);
		expect(c.amortization!.value).toBeCloseTo(192, CENT);
		expect(c.power!.value).toBeCloseTo(28.8, CENT);
		expect(c.maintenance!.value).toBeCloseTo(19.2, CENT);
		const o = byKey(await total('compute_spend', { group_by: ['ownership'] }), 'ownership');
		expect(o.rented!.value).toBeCloseTo(252, CENT);
		expect(o.owned!.value).toBeCloseTo(240, CENT);
	});

	it('shows the mid-period price change and expansion per day', async () => {
		const days = byKey((await runMetric({ metric: 'cost_per_gpu_hour', ...PERIOD, grain: 'day', group_by: ['cluster'] })).response.rows.map((r) => ({ ...r, k: `${r.period}|${r.cluster}` })), 'k');
		expect(days['2026-10-01|rent-a']!.value).toBeCloseTo(12, CENT);
		expect(days['2026-10-02|rent-a']!.value).toBeCloseTo(21, CENT);
		expect(days['2026-10-03|rent-a']!.value).toBeCloseTo(6, CENT);
		expect(days['2026-10-02|own-b']!.value).toBeCloseTo(5, CENT);
		expect(days['2026-10-01|own-b']).toBeUndefined();
		const util = byKey((await runMetric({ metric: 'utilized_gpu_hours', ...PERIOD, grain: 'day' })).response.rows, 'period');
		// J1 crosses midnight: 4 h on each side.
		expect(util['2026-10-01']!.value).toBeCloseTo(8, SECOND);
		expect(util['2026-10-02']!.value).toBeCloseTo(28, SECOND);
		expect(util['2026-10-03']!.value).toBeCloseTo(24, SECOND);
	});

	it('gives idle cost per cluster at that cluster-day price', async () => {
		const c = byKey(await total('idle_cost', { group_by: ['cluster'] }), 'cluster');
		expect(c['rent-a']!.value).toBeCloseTo(80 + 77 + 54, CENT);
		expect(c['own-b']!.value).toBeCloseTo(90 + 105, CENT);
	});

	it('allocates job cost so that it adds up to spend, per job and per plan', async () => {
		const drill = await runDrilldown({ metric: 'margin_per_gpu_hour', ...PERIOD });
		const sum = drill.rows.reduce((s, r) => s + Number(r.cost_usd), 0);
		expect(sum).toBeCloseTo(492, CENT);
		const jobs = byKey(drill.rows, 'job_id');
		expect(jobs.J1!.cost_usd).toBeCloseTo(132, CENT);
		expect(jobs.J2!.cost_usd).toBeCloseTo(24, CENT);
		expect(jobs.J3!.cost_usd).toBeCloseTo(24, CENT);
		expect(jobs.J4!.cost_usd).toBeCloseTo(120, CENT);
		expect(jobs.J5!.cost_usd).toBeCloseTo(120, CENT);
		expect(jobs.J6!.cost_usd).toBeCloseTo(72, CENT);
		const plans = byKey(await total('margin_per_gpu_hour', { group_by: ['plan'] }), 'plan');
		const allocated = Object.values(plans).reduce((s, r) => s + Number(r.compute_cost_usd), 0);
		expect(allocated).toBeCloseTo(492, CENT);
	});

	it('dead compute by reason: hours, dollars and shares', async () => {
		const d = byKey(await total('dead_compute', { group_by: ['dead_reason'] }), 'dead_reason');
		expect(d.failed!.value).toBeCloseTo(2, SECOND);
		expect(d.failed!.dead_cost_usd).toBeCloseTo(24, CENT);
		expect(d.moderated!.value).toBeCloseTo(12, SECOND);
		expect(d.moderated!.dead_cost_usd).toBeCloseTo(120, CENT);
		expect(d.never_watched_7d!.value).toBeCloseTo(2, SECOND);
		expect(d.never_watched_7d!.dead_share).toBeCloseTo(2 / 60, 9);
		const all = (await total('dead_compute'))[0]!;
		expect(all.dead_cost_usd).toBeCloseTo(168, CENT);
		expect(all.dead_share).toBeCloseTo(16 / 60, 9);
		expect(all.dead_cost_share).toBeCloseTo(168 / 492, 9);
	});

	it('revenue, margin, ARPU and compute cost per user by plan; system jobs and unallocated ads on their own lines', async () => {
		const rev = byKey(await total('revenue', { group_by: ['plan'] }), 'plan');
		expect(rev.pro!.value).toBeCloseTo(36, CENT);
		expect(rev.pro!.subscription_usd).toBeCloseTo(30, CENT);
		expect(rev.free!.value).toBeCloseTo(9, CENT);
		expect(rev['(unallocated)']!.value).toBeCloseTo(1.5, CENT);
		const m = byKey(await total('margin_per_gpu_hour', { group_by: ['plan'] }), 'plan');
		expect(m.pro!.value).toBeCloseTo(-10.8, CENT);
		expect(m.free!.value).toBeCloseTo(-6.9375, CENT);
		expect(m.feed_prefill!.value).toBeCloseTo(-5, CENT);
		expect(m.pro!.gpu_hours).toBeCloseTo(20, SECOND);
		expect(m.free!.user_days).toBe(5);
		expect(m.free!.users).toBe(2);
		const arpu = byKey(await total('arpu', { group_by: ['plan'] }), 'plan');
		expect(arpu.pro!.value).toBeCloseTo(365.25, CENT);
		expect(arpu.free!.value).toBeCloseTo(54.7875, CENT);
		const cpu = byKey(await total('compute_cost_per_user', { group_by: ['plan'] }), 'plan');
		expect(cpu.pro!.value).toBeCloseTo(2556.75, CENT);
		expect(cpu.free!.value).toBeCloseTo(730.5, CENT);
		// The per-plan table's figures are components of every unit-economics metric (one query, as on the page):
		// ARPU − cost = (36 − 252) / (3 / 30.4375) = −2191.5 for pro, (9 − 120) / (5 / 30.4375) = −675.7125 for free;
		// GPU-hours per user-month = 20 / (3 / 30.4375) = 202.916… for pro, 16 / (5 / 30.4375) = 97.4 for free.
		expect(m.pro!.arpu).toBeCloseTo(365.25, CENT);
		expect(m.pro!.compute_cost_per_user).toBeCloseTo(2556.75, CENT);
		expect(m.pro!.arpu_minus_cost).toBeCloseTo(-2191.5, CENT);
		expect(m.free!.arpu_minus_cost).toBeCloseTo(-675.7125, CENT);
		expect(m.pro!.gpu_hours_per_user_month).toBeCloseTo(20 / (3 / 30.4375), 9);
		expect(m.free!.gpu_hours_per_user_month).toBeCloseTo(97.4, 9);
		// System jobs have no users: no per-user figure.
		expect(m.feed_prefill!.arpu_minus_cost).toBeNull();
		expect(m.feed_prefill!.gpu_hours_per_user_month).toBeNull();
	});

	it('free-tier subsidy: components of every unit-economics metric, summed over the plan lines the query sees', async () => {
		// Free: compute 24 + 24 + 72 = 120 (J2, J3, J6), ads 6 + 3 = 9 → subsidy 120 − 9 = 111.
		// Paid (pro, the only paid plan): 36 − 252 = −216, so it covers none of it (null).
		// Charged to no user plan: J4 feed_prefill 120 (every cluster-day in the period has jobs: no idle line);
		// 252 + 120 + 120 = 492 = spend.
		for (const metric of ['margin_per_gpu_hour', 'gross_margin', 'arpu', 'compute_cost_per_user'] as const) {
			const all = (await total(metric))[0]!;
			expect(all.free_compute_cost_usd, metric).toBeCloseTo(120, CENT);
			expect(all.free_revenue_usd, metric).toBeCloseTo(9, CENT);
			expect(all.free_tier_subsidy_usd, metric).toBeCloseTo(111, CENT);
			expect(all.paid_surplus_usd, metric).toBeCloseTo(-216, CENT);
			expect(all.paid_cover_of_subsidy, metric).toBeNull();
			expect(all.system_compute_usd, metric).toBeCloseTo(120, CENT);
		}
		// Per plan, each line carries its own share: the subsidy sits on the free line, the surplus on pro.
		const m = byKey(await total('margin_per_gpu_hour', { group_by: ['plan'] }), 'plan');
		expect(m.free!.free_tier_subsidy_usd).toBeCloseTo(111, CENT);
		expect(m.pro!.free_tier_subsidy_usd).toBeCloseTo(0, CENT);
		expect(m.pro!.paid_surplus_usd).toBeCloseTo(-216, CENT);
		expect(m.feed_prefill!.system_compute_usd).toBeCloseTo(120, CENT);
		// GPU prices × 0.11, electricity free (maintenance stays $0.10/GPU-h, 9.60 per own-b day):
		//   rent-a rates d1 10.56 / 8 = 1.32, d2 9.24 / 4 = 2.31, d3 7.92 / 12 = 0.66; own-b d2 20.16 / 24 = 0.84, d3 20.16 / 12 = 1.68.
		//   free: J2 2.64 + J3 2.64 + J6 7.92 = 13.20 → subsidy 13.20 − 9 = 4.20;
		//   pro: J1 4 × 1.32 + 4 × 2.31 = 14.52, J5 12 × 1.68 = 20.16 → 34.68 → surplus 36 − 34.68 = 1.32;
		//   covered 1.32 / 4.20 = 0.3142857…; J4 24 × 0.84 = 20.16 charged to no plan (Σ 68.04 = spend 27.72 + 40.32).
		const what_if = { gpu_price_factor: 0.11, power_price_factor: 0, free_quota_factor: 1 } as WhatIf;
		const cheap = (await total('margin_per_gpu_hour', { what_if }))[0]!;
		expect(cheap.free_tier_subsidy_usd).toBeCloseTo(4.2, CENT);
		expect(cheap.paid_surplus_usd).toBeCloseTo(1.32, CENT);
		expect(cheap.paid_cover_of_subsidy).toBeCloseTo(1.32 / 4.2, 9);
		expect(cheap.system_compute_usd).toBeCloseTo(20.16, CENT);
	});

	it('top requesters: user jobs by requester, page filters applied before grouping (one rows-query path)', async () => {
		// u_paid: J1 8 h $132 + J5 12 h $120 moderated → 2 jobs, 20 h, $252, 12 / 20 dead;
		// u_free: J2 2 h $24 failed + J3 2 h $24 + J6 12 h $72 → 3 jobs, 16 h, $120, 2 / 16 dead.
		const all = await topRequesters({ ...PERIOD, filters: {} });
		expect(all.ok, all.error).toBe(true);
		expect(all.rows.map((r) => [r.user_id, r.plan, r.jobs])).toEqual([['u_paid', 'pro', 2], ['u_free', 'free', 3]]);
		expect(all.rows[0]!.gpu_hours as number).toBeCloseTo(20, SECOND);
		expect(all.rows[0]!.cost_usd as number).toBeCloseTo(252, CENT);
		expect(all.rows[0]!.failed_share as number).toBeCloseTo(0.6, 9);
		expect(all.rows[1]!.failed_share as number).toBeCloseTo(2 / 16, 9);
		// On rent-a only, u_paid keeps J1 (8 h) and falls behind u_free (16 h); limit 1 keeps the first.
		const rentA = await topRequesters({ ...PERIOD, filters: { cluster: ['rent-a'] } }, 1);
		expect(rentA.rows.map((r) => r.user_id)).toEqual(['u_free']);
		expect(rentA.rows[0]!.gpu_hours as number).toBeCloseTo(16, SECOND);
	});

	it('attention-to-compute by creation day', async () => {
		const c = byKey((await runMetric({ metric: 'attention_to_compute_cohort', ...PERIOD, grain: 'day' })).response.rows, 'period');
		expect(c['2026-10-01']!.value).toBe(0);
		expect(c['2026-10-02']!.value).toBeCloseTo(1.5 / 32, 9);
		expect(c['2026-10-03']!.value).toBeCloseTo(2.5 / 12, 9);
		// The last human impression is on 10-10: every cohort day + 7 ≤ 10-10, so all final.
		expect(Object.values(c).map((r) => r.unobserved_videos)).toEqual([0, 0, 0]);
	});
});

describe('what-if knobs move what they should and nothing else', () => {
	const NEUTRAL: MetricId[] = ['revenue', 'ad_revenue', 'watch_hours', 'utilized_gpu_hours', 'arpu', 'attention_to_compute', 'provisioned_gpu_hours'];
	const cases: { knob: Partial<WhatIf>; expect: Partial<Record<MetricId, number>> }[] = [
		// rental and amortization halve: rent-a 126, own-b 96 + 28.80 + 19.20 = 144 → 270.
		{ knob: { gpu_price_factor: 0.5 }, expect: { compute_spend: 270, margin_per_gpu_hour: (46.5 - 270) / 60, gross_margin: (46.5 - 270) / 46.5 } },
		// power doubles: 28.80 → 57.60 → 520.80.
		{ knob: { power_price_factor: 2 }, expect: { compute_spend: 520.8, margin_per_gpu_hour: (46.5 - 520.8) / 60 } },
		// free jobs at half their hours: rent-a d1 8 → 6 h (spend 96 × 6/8 = 72), d3 12 → 6 h (72 × 1/2 = 36);
		// spend 72 + 84 + 36 + 240 = 432 over 60 − 8 = 52 h.
		{ knob: { free_quota_factor: 0.5 }, expect: { margin_per_gpu_hour: (46.5 - 432) / 52, gross_margin: (46.5 - 432) / 46.5 } },
		// every cluster-day below 50 %: spend × utilization / 0.5 = 32 + 14 + 36 + 60 + 30 = 172.
		{ knob: { utilization_target: 0.5 }, expect: { margin_per_gpu_hour: (46.5 - 172) / 60, compute_cost_per_user: 172 / (8 / 30.4375) } }
	];
	for (const c of cases) {
		it(`${JSON.stringify(c.knob)}`, async () => {
			const what_if = { gpu_price_factor: 1, power_price_factor: 1, free_quota_factor: 1, ...c.knob } as WhatIf;
			for (const [metric, value] of Object.entries(c.expect)) {
				const rows = await total(metric as MetricId, { what_if });
				expect(rows[0]!.value as number, metric).toBeCloseTo(value, 6);
			}
			for (const metric of NEUTRAL) {
				const [actual] = await total(metric);
				const [scenario] = await total(metric, { what_if });
				expect(scenario!.value, `${metric} must not move`).toBeCloseTo(actual!.value as number, 9);
			}
		});
	}

	it('free quota halved: the pro plan keeps its cost, the free plan pays half', async () => {
		const what_if = { gpu_price_factor: 1, power_price_factor: 1, free_quota_factor: 0.5 } as WhatIf;
		const m = byKey(await total('margin_per_gpu_hour', { group_by: ['plan'], what_if }), 'plan');
		// J1 d1 4 h × 72/6 = 48 + d2 84 + J5 120 = 252; free: J2 1 h × 12 + J3 12 + J6 6 h × 6 = 60 over 8 h.
		expect(m.pro!.compute_cost_usd).toBeCloseTo(252, CENT);
		expect(m.free!.compute_cost_usd).toBeCloseTo(60, CENT);
		expect(m.free!.gpu_hours).toBeCloseTo(8, SECOND);
	});
});

describe('API, CSV and CLI agree', () => {
	const call = async (id: string, qs: string) => {
		const url = new URL(`http://x/api/v1/metrics/${id}?${qs}`);
		try {
			return await metricGET({ params: { id }, url, request: new Request(url) } as never);
		} catch (e) {
			return e as { status: number; body: { message: string } };
		}
	};

	it('answers 400 naming the field for bad input', async () => {
		const cases: [string, string, RegExp][] = [
			['no_such_metric', 'from=2026-10-01&to=2026-10-04', /^metric/],
			['compute_spend', 'from=2026-13-01&to=2026-10-04', /^from/],
			['compute_spend', 'from=2026-10-04&to=2026-10-01', /^to/],
			['compute_spend', 'from=2026-10-01&to=2026-10-04&grain=hour', /^grain/],
			['compute_spend', 'from=2026-10-01&to=2026-10-04&by=plan', /^by/],
			['revenue', 'from=2026-10-01&to=2026-10-04&cluster=rent-a', /^cluster/],
			['margin_per_gpu_hour', 'from=2026-10-01&to=2026-10-04&what_if.gpu_price_factor=-1', /^what_if\.gpu_price_factor/]
		];
		for (const [id, qs, field] of cases) {
			const r = (await call(id, qs)) as { status: number; body: { message: string } };
			expect(r.status, `${id}?${qs}`).toBe(400);
			expect(r.body.message, `${id}?${qs}`).toMatch(field);
		}
		const url = new URL('http://x/api/v1/metrics/jobs/rows?from=2026-10-01&to=2026-10-04&limit=0');
		const bad = await Promise.resolve()
			.then(() => rowsGET({ params: { id: 'utilized_gpu_hours' }, url, request: new Request(url), locals: { auth: { kind: 'session', user: { name: 'test', role: 'admin' } } } } as never))
			.catch((e: unknown) => e as { status: number; body: { message: string } });
		expect((bad as { status: number }).status).toBe(400);
		expect((bad as { body: { message: string } }).body.message).toMatch(/^limit/);
	});

	it('API JSON and CSV carry the same numbers as runMetric', async () => {
		for (const id of ['compute_spend', 'margin_per_gpu_hour', 'dead_compute'] as const) {
			const qs = `from=${PERIOD.from}&to=${PERIOD.to}&grain=day&by=${id === 'dead_compute' ? 'dead_reason' : id === 'compute_spend' ? 'cluster' : 'plan'}`;
			const json = await ((await call(id, qs)) as Response).json();
			const csv = Papa.parse<Record<string, string>>(await ((await call(id, `${qs}&format=csv`)) as Response).text(), { header: true, skipEmptyLines: true }).data;
			expect(csv).toHaveLength(json.rows.length);
			json.rows.forEach((row: Record<string, unknown>, i: number) => {
				for (const [k, v] of Object.entries(row)) {
					if (typeof v === 'number') expect(Number(csv[i]![k])).toBeCloseTo(v, 9);
					else expect(csv[i]![k]).toBe(v === null ? '' : String(v));
				}
			});
		}
	});

	it(
		'the CLI prints the same numbers for every metric',
		async () => {
			const expected: Record<string, number> = {};
			for (const id of Object.keys(expectedTotals)) expected[id] = (await total(id as MetricId))[0]!.value as number;
			// chDB allows one process per data directory: hand it to the CLI.
			await closeWarehouse();
			const run = promisify(execFile);
			for (const [id, value] of Object.entries(expected)) {
				const { stdout } = await run('node', ['bin/loopmeter.js', 'metrics', id, '--from', PERIOD.from, '--to', PERIOD.to, '--grain', 'total', '--json'], {
					env: { ...process.env, LOOPMETER_DATA: dataDir },
					timeout: 120_000
				});
				const out = JSON.parse(stdout);
				expect(out.metric).toBe(id);
				expect(out.rows[0].value, id).toBeCloseTo(value, 9);
				expect(out.rows[0].value, id).toBeCloseTo(expectedTotals[id as MetricId]!.value, expectedTotals[id as MetricId]!.digits);
			}
			await open();
		},
		900_000
	);
});
