import { describe, expect, it } from 'vitest';
import type { MrrPolicy } from '../../src/lib/contracts/mrr-policy.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { POLICY_STEPS, STEPS, stepValue, type Steps } from '../fixtures/stripe/mrr-cases.js';

/**
 * The MRR cases of tests/fixtures/stripe/mrr-cases.ts, asserted through
 * runMetric (what the API and CLI call) against hand-worked figures. Used by
 * every file that loads those events some other way (in order, shuffled,
 * through the fake Stripe), so each channel must give the same numbers.
 */

const NOV = { from: '2026-11-01', to: '2026-12-01' };

function days(from: string, to: string): string[] {
	const out: string[] = [];
	for (let d = new Date(`${from}T00:00:00Z`); d < new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
	return out;
}

function stepsFor(policy: keyof typeof POLICY_STEPS | 'default'): Steps {
	return policy === 'default' ? STEPS : { ...STEPS, ...POLICY_STEPS[policy] };
}

const policies: [keyof typeof POLICY_STEPS | 'default', MrrPolicy | undefined][] = [
	['default', undefined],
	['recurring', { discounts: 'recurring' }],
	['gross', { discounts: 'gross' }],
	['request', { churn: 'request' }]
];

/**
 * Nov movements worked out from the cases (default policies):
 *   opening Oct 31: cpe 20 + repeat 200 + pause 20 = 240 (react churned Oct 20)
 *   new:  down_np 200 + up_pr 20 + up_np 20 + down_pr 200 + cimm 20 + forever 20 + once 20
 *         + trial 200 (Nov 15) + pastdue 20 + sched 20 + qty 30 + yearly 16 = 786
 *   expansion: up_pr 180 + up_np 180 + sched 180 + qty 20 = 560
 *   contraction: down_np −180 + down_pr −180 + forever −10 + qty −30 = −400
 *   churn: cpe −20 + cimm −20 + pastdue (unpaid) −20 + pause −20 = −80
 *   reactivation: pause resumed 20 + react 20 = 40
 *   closing Nov 30: 240 + 786 + 560 − 400 − 80 + 40 = 1146
 * recurring: repeat is 150 on Oct 31 (opening 190) and +50 expansion on Nov 16 (610).
 * gross: no −10 for the forever coupon (contraction −390, closing 1156).
 * request: cpe's churn moves from Nov 25 to Nov 3, the month's totals stay.
 */
const NOV_MOVES = {
	default: { opening: 240, closing: 1146, moves: { new: 786, expansion: 560, contraction: -400, churn: -80, reactivation: 40 } },
	recurring: { opening: 190, closing: 1146, moves: { new: 786, expansion: 610, contraction: -400, churn: -80, reactivation: 40 } },
	gross: { opening: 240, closing: 1156, moves: { new: 786, expansion: 560, contraction: -390, churn: -80, reactivation: 40 } },
	request: { opening: 240, closing: 1146, moves: { new: 786, expansion: 560, contraction: -400, churn: -80, reactivation: 40 } }
};

/** Each day's movements (default policies), from the case list; days not listed have none. */
const DAY_MOVES: Record<string, Record<string, number>> = {
	// Every case starting Nov 1 but the trial (0 until Nov 15): down_np 200, up_pr 20, up_np 20, down_pr 200,
	// cimm 20, forever 20, once 20, pastdue 20, sched 20, qty 30, yearly 16 = 586.
	'2026-11-01': { new: 586 },
	'2026-11-05': { contraction: -180 },
	'2026-11-06': { churn: -20 },
	'2026-11-08': { contraction: -10 },
	'2026-11-09': { reactivation: 20 },
	'2026-11-10': { contraction: -180 },
	'2026-11-12': { churn: -20 },
	'2026-11-14': { expansion: 20 },
	'2026-11-15': { expansion: 180, new: 200 },
	'2026-11-20': { expansion: 180, reactivation: 20 },
	'2026-11-21': { expansion: 180 },
	'2026-11-22': { churn: -20 },
	'2026-11-25': { churn: -20 },
	'2026-11-26': { contraction: -30 }
};

/**
 * `exactness`: also check opening + movements = closing over every grain and
 * plan (slow: run it on one channel; the others must give the same rows anyway).
 */
export function describeMrrCases(channel: string, opts: { exactness: boolean }) {
	describe(`MRR cases (${channel})`, () => {
		for (const [name, mrr] of policies) {
			it(`MRR at the end of every day matches the hand-worked steps (${name})`, async () => {
				const { response } = await runMetric({ metric: 'mrr', from: '2026-10-31', to: NOV.to, grain: 'day', mrr });
				const steps = stepsFor(name);
				const expected = days('2026-10-31', NOV.to).map((d) => [d, Object.values(steps).reduce((s, c) => s + stepValue(c, d), 0)]);
				expect(response.rows.map((r) => [r.period, r.value])).toEqual(expected);
			});

			it(`November movements by movement, opening and closing (${name})`, async () => {
				const { response } = await runMetric({ metric: 'mrr_movements', ...NOV, grain: 'total', group_by: ['movement'], mrr });
				const want = NOV_MOVES[name];
				expect(Object.fromEntries(response.rows.map((r) => [r.movement, r.value]))).toEqual(want.moves);
				expect(response.rows[0]!.opening_mrr).toBe(want.opening);
				expect(response.rows[0]!.closing_mrr).toBe(want.closing);
			});

			it.runIf(opts.exactness && (name === 'default' || name === 'recurring'))(`opening + movements = closing exactly for every day, week and month, in total and per plan (${name})`, async () => {
				for (const grain of ['day', 'week', 'month'] as const) {
					for (const group_by of [['movement'], ['plan', 'movement']] as const) {
						const { response } = await runMetric({ metric: 'mrr_movements', from: '2026-10-26', to: '2026-12-03', grain, group_by: [...group_by], mrr });
						const groups = new Map<string, { open: number; close: number; sum: number }>();
						for (const r of response.rows) {
							const key = `${grain} ${r.period}|${r.plan ?? ''}`;
							const g = groups.get(key) ?? { open: Number(r.opening_mrr), close: Number(r.closing_mrr), sum: 0 };
							g.sum += Number(r.value);
							groups.set(key, g);
						}
						expect(groups.size).toBeGreaterThan(0);
						for (const [key, g] of groups) expect(`${key}: ${(g.open + g.sum).toFixed(9)}`).toBe(`${key}: ${g.close.toFixed(9)}`);
					}
				}
			});
		}

		it('each change lands on its day, as the movement it is (default policies)', async () => {
			const { response } = await runMetric({ metric: 'mrr_movements', ...NOV, grain: 'day', group_by: ['movement'] });
			const got: Record<string, Record<string, number>> = {};
			for (const r of response.rows) if (r.value !== 0) (got[String(r.period)] ??= {})[String(r.movement)] = Number(r.value);
			expect(got).toEqual(DAY_MOVES);
		});

		it('a repeating coupon ending is an expansion on its end day when repeating coupons count', async () => {
			const { response } = await runMetric({ metric: 'mrr_movements', from: '2026-11-16', to: '2026-11-17', grain: 'day', group_by: ['movement'], mrr: { discounts: 'recurring' } });
			expect(response.rows.filter((r) => r.value !== 0).map((r) => [r.movement, r.value])).toEqual([['expansion', 50]]);
		});

		it('churn dated at the cancellation request moves cus_cpe from Nov 25 to Nov 3', async () => {
			const churnDays = async (mrr?: MrrPolicy) =>
				(await runMetric({ metric: 'mrr_movements', ...NOV, grain: 'day', group_by: ['movement'], filters: { movement: ['churn'] }, mrr })).response.rows
					.filter((r) => r.value !== 0)
					.map((r) => r.period);
			expect(await churnDays()).toEqual(['2026-11-06', '2026-11-12', '2026-11-22', '2026-11-25']);
			expect(await churnDays({ churn: 'request' })).toEqual(['2026-11-03', '2026-11-06', '2026-11-12', '2026-11-22']);
		});

		it('closing MRR per plan', async () => {
			// plus: down_np 20 + down_pr 20 + forever 10 + once 20 + pause 20 + react 20 + yearly 16 = 126
			// pro: up_pr 200 + up_np 200 + repeat 200 + trial 200 + sched 200 = 1000; team: 2 seats × 10 = 20
			const { response } = await runMetric({ metric: 'mrr', from: '2026-11-30', to: NOV.to, grain: 'total', group_by: ['plan'] });
			expect(Object.fromEntries(response.rows.map((r) => [r.plan, r.value]))).toEqual({ plus: 126, pro: 1000, team: 20 });
		});

		it('an upgrade splits across plans: the old plan loses, the new one gains, in expansion', async () => {
			const { response } = await runMetric({ metric: 'mrr_movements', from: '2026-11-21', to: '2026-11-22', grain: 'total', group_by: ['plan', 'movement'] });
			const expansion = Object.fromEntries(response.rows.filter((r) => r.movement === 'expansion').map((r) => [r.plan, r.value]));
			expect(expansion).toEqual({ plus: -20, pro: 200 }); // cus_sched's schedule switches plus → pro
		});

		it('with mrr_source=invoices the downgrade without proration waits for an invoice', async () => {
			const rowsOn = async (mrr?: MrrPolicy) =>
				(await runDrilldown({ metric: 'mrr', from: '2026-11-11', to: '2026-11-12', grain: 'total', mrr })).rows.filter((r) => r.customer_id === 'cus_down_np').map((r) => [r.plan, Number(r.mrr_usd)]);
			expect(await rowsOn()).toEqual([['plus', 20]]);
			expect(await rowsOn({ source: 'invoices' })).toEqual([['pro', 200]]);
		});
	});
}
