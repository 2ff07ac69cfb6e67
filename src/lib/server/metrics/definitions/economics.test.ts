import { describe, it } from 'vitest';
import type { IdlePolicy } from '../../../contracts/metrics.js';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { expectFigures, metricOverRows, type HandRelation } from '../../../../../tests/helpers/definition-pin.js';
import { DAYS_PER_MONTH } from './economics.js';

/*
 * Margin per GPU-hour and its parts, under each idle-sharing policy, from the
 * cost rows up (sql/metrics/job_cost_policy.sql → unit_economics_daily.sql →
 * the definition). One cluster-day, written by hand:
 *   fleet: 40 provisioned GPU-hours costing $80 → provisioned rate $2/h;
 *   jobs:  j1 pro (u1) 10 h, j2 free (u2) 6 h, j3 eval 4 h → 20 utilized h,
 *          by_use rate 80 / 20 = $4/h; idle = 80 − 20 × 2 = $40.
 *   by_use:   pro 40, free 24, eval 16.
 *   separate: pro 20, free 12, eval 8, '(idle)' 40.
 *   even:     the $40 idle in 3 equal shares (pro, free, eval ran jobs): pro 20 + 13.333…,
 *             free 12 + 13.333…, eval 8 + 13.333….
 *   revenue:  u1 pro $30 subscription, u2 free $2 ads; one user-day each.
 * The cost relation itself (job_cost.sql from jobs and fleet) is pinned by
 * tests/integration/money.test.ts and finance-idle-policy.test.ts.
 */
useOpenTempWarehouse('loopmeter-economics-pin-');

const DAY = '2026-10-01';
const PERIOD = { from: DAY, to: '2026-10-02', grain: 'total' } as const;

const JOB_COST: HandRelation = {
	file: 'job_cost',
	columns:
		'day Date, cluster String, gpu_type String, purpose String, model String, resolution String, status String, job_id String, request_id String, user_id String, video_id String, started_at DateTime64(3, \'UTC\'), plan String, gpu_hours_actual Float64, gpu_hours Float64, cluster_day_spend_usd Float64, cost_usd Float64',
	rows: [
		[DAY, 'c1', 'H100', 'user', 'm', '720p', 'succeeded', 'j1', 'r1', 'u1', '', `${DAY} 01:00:00`, 'pro', 10, 10, 80, 40],
		[DAY, 'c1', 'H100', 'user', 'm', '720p', 'succeeded', 'j2', 'r2', 'u2', '', `${DAY} 02:00:00`, 'free', 6, 6, 80, 24],
		[DAY, 'c1', 'H100', 'eval', 'm', '720p', 'succeeded', 'j3', 'r3', '', '', `${DAY} 03:00:00`, 'eval', 4, 4, 80, 16]
	]
};
const FLEET: HandRelation = { file: 'fleet_gpu_hours', columns: 'day Date, cluster String, gpu_hours Float64, spend_usd Float64', rows: [[DAY, 'c1', 40, 80]] };
const REVENUE: HandRelation = {
	file: 'revenue_daily',
	columns: 'day Date, user_id String, plan String, source String, revenue_usd Float64',
	rows: [
		[DAY, 'u1', 'pro', 'subscription', 30],
		[DAY, 'u2', 'free', 'ads', 2]
	]
};
const USER_DAYS: HandRelation = { file: 'plan_user_days', columns: 'day Date, plan String, user_id String', rows: [[DAY, 'pro', 'u1'], [DAY, 'free', 'u2']] };
const RELATIONS = [REVENUE, JOB_COST, FLEET, USER_DAYS];

const third = 40 / 3;
const COST: Record<IdlePolicy, { pro: number; free: number; eval: number; idle: number }> = {
	by_use: { pro: 40, free: 24, eval: 16, idle: 0 },
	separate: { pro: 20, free: 12, eval: 8, idle: 40 },
	even: { pro: 20 + third, free: 12 + third, eval: 8 + third, idle: 0 }
};

describe('margin per GPU-hour', () => {
	for (const [policy, cost] of Object.entries(COST) as [IdlePolicy, (typeof COST)[IdlePolicy]][]) {
		it(`per plan under ${policy}: (revenue − the policy's cost) / GPU-hours, and ARPU − cost per user-month`, async () => {
			const rows = await metricOverRows({ metric: 'margin_per_gpu_hour', ...PERIOD, group_by: ['plan'], idle_policy: policy }, RELATIONS);
			const lines: Record<string, number | string | null>[] = [
				...(cost.idle ? [{ plan: '(idle)', value: null, compute_cost_usd: cost.idle, gpu_hours: 0 }] : []),
				{ plan: 'eval', value: -cost.eval / 4, compute_cost_usd: cost.eval, gpu_hours: 4 },
				{ plan: 'free', value: (2 - cost.free) / 6, compute_cost_usd: cost.free, gpu_hours: 6, arpu_minus_cost: (2 - cost.free) * DAYS_PER_MONTH },
				{ plan: 'pro', value: (30 - cost.pro) / 10, compute_cost_usd: cost.pro, gpu_hours: 10, arpu_minus_cost: (30 - cost.pro) * DAYS_PER_MONTH, gpu_hours_per_user_month: 10 * DAYS_PER_MONTH }
			];
			expectFigures(rows, lines);
		});

		it(`in total under ${policy}: spend is spend whatever the policy; the free tier's balance follows it`, async () => {
			const rows = await metricOverRows({ metric: 'margin_per_gpu_hour', ...PERIOD, idle_policy: policy }, RELATIONS);
			const subsidy = cost.free - 2;
			const surplus = 30 - cost.pro;
			expectFigures(rows, [
				{
					value: (32 - 80) / 20,
					compute_cost_usd: 80,
					free_tier_subsidy_usd: subsidy,
					paid_surplus_usd: surplus,
					paid_cover_of_subsidy: subsidy > 0 && surplus > 0 ? Math.min(1, surplus / subsidy) : null,
					system_compute_usd: cost.eval + cost.idle
				}
			]);
		});
	}
});
