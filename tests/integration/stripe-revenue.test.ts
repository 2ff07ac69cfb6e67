import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { PRORATION, scenarioEvents, scenarioFxRates } from '../fixtures/stripe/scenario.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// The hand-computed scenario of tests/fixtures/stripe/scenario.ts, loaded as an
// event file. Every expected figure below is worked out in the comment beside it.
const { dataDir, open } = useTempWarehouse('loopmeter-stripe-revenue-');
const OCT = { from: '2026-10-01', to: '2026-11-01' };
const NOV = { from: '2026-11-01', to: '2026-12-01' };

beforeAll(async () => {
	const wh = await open();
	// cus_A is linked through the users table (the other link: cus_B's metadata.user_id).
	await wh.client.insert({ table: 'users', format: 'JSONEachRow', values: [{ user_id: 'u_a', signup_at: '2026-09-01 00:00:00.000', stripe_customer_id: 'cus_A', ingest_run_id: 'test' }] });
	await wh.client.insert({ table: 'fx_rates', format: 'JSONEachRow', values: scenarioFxRates() });
	const file = join(dataDir, 'scenario.ndjson');
	writeFileSync(file, scenarioEvents().map((e) => JSON.stringify(e)).join('\n') + '\n');
	await ingestStripeEventsFile(file, {});
});

const total = async (metric: 'subscription_revenue' | 'mrr', period: { from: string; to: string }) =>
	(await runMetric({ metric, ...period, grain: 'total' })).response.rows[0]?.value;

describe('recognized subscription revenue, to the cent', () => {
	it('October', async () => {
		// Cumulative-floor spreading: a line's share of [a, b) is floor(net × elapsed(b)/length) − floor(net × elapsed(a)/length).
		//   A  Plus    Oct 1 → Nov 1, all in October                                 +2000
		//   A  unused Plus (proration) Oct 15 12:00 → Nov 1, all in October          -1065  (2000 × 16.5/31 = 1064.52)
		//   A  Pro remaining (proration) Oct 15 12:00 → Nov 1                       +10645  (20000 × 16.5/31 = 10645.16)
		//   B  yearly Plus 19200, Oct 10 → Oct 10 2027 (365 d): floor(19200 × 22/365) = floor(1157.26)   +1157
		//   C  Plus 2000 − 500 coupon = 1500, Oct 5 → Nov 5 (31 d): floor(1500 × 27/31) = floor(1306.45) +1306
		//   C  credit note Oct 12, excluding tax                                     -1000
		//      its refund re_C1 went through the note: not subtracted again             0
		//   D  Pro 20000 (the 1600 exclusive tax is not revenue), Oct 20 → Nov 20 (31 d): floor(20000 × 12/31) = floor(7741.94) +7741
		//   D  refund Oct 25                                                         -5000
		//   E  €19.00 Oct 1 → Nov 1 (31 d): 1900 euro cents, by cumulative floor 22 days of 61 and 9 of 62;
		//      each day × 1.10 (October's rate) rounded to the cent: 61 → 67.1 → 67, 62 → 68.2 → 68:
		//      22 × 67 + 9 × 68 = 1474 + 612                                         +2086
		//   2000 − 1065 + 10645 + 1157 + 1306 − 1000 + 7741 − 5000 + 2086 = 17870 cents
		expect(PRORATION).toEqual({ unusedPlus: -1065, remainingPro: 10645 });
		expect(await total('subscription_revenue', OCT)).toBe(178.7);
	});

	it('November', async () => {
		//   A  Pro Nov 1 → Dec 1                                       20000
		//   B  floor(19200 × 52/365) − 1157 = 2735 − 1157               1578
		//   C  rest of its line: 1500 − 1306                             194
		//   D  rest of its line: 20000 − 7741                          12259
		//   D  back on Plus Nov 10 → Dec 10 (30 d): floor(2000 × 21/30)  1400
		//   20000 + 1578 + 194 + 12259 + 1400 = 35431 cents
		expect(await total('subscription_revenue', NOV)).toBe(354.31);
	});

	it('splits by plan, and a line adds up to exactly its amount over its period', async () => {
		const { response } = await runMetric({ metric: 'subscription_revenue', ...OCT, grain: 'total', group_by: ['plan'] });
		// pro: A's 10645 + D's 7741 − D's 5000 refund (D's latest line is Pro) = 13386
		// plus: 2000 − 1065 + 1157 + 1306 − 1000 (C's note, C is on Plus) + 2086 (E, EUR Plus in USD) = 4484
		expect(Object.fromEntries(response.rows.map((r) => [r.plan, r.value]))).toEqual({ plus: 44.84, pro: 133.86 });
		// B's yearly line over its whole year: exactly 192.00.
		const rows = await query<{ s: number }>(
			`SELECT sum(amount_usd) AS s FROM (${(await import('../../src/lib/server/metrics/sql-files.js')).metricSql('subscription_revenue_daily')}) WHERE user_id = 'u_b'`,
			{ tag: 'test', params: { from: '2026-10-01', to: '2027-11-01' } }
		);
		expect(Number(rows[0]!.s)).toBe(192);
	});

	it('links revenue to users through users.stripe_customer_id, metadata.user_id, else the customer id', async () => {
		const rows = await query<{ user_id: string }>(
			`SELECT DISTINCT user_id FROM (${(await import('../../src/lib/server/metrics/sql-files.js')).metricSql('subscription_revenue_daily')}) ORDER BY user_id`,
			{ tag: 'test', params: OCT }
		);
		expect(rows.map((r) => r.user_id)).toEqual(['stripe:cus_C', 'stripe:cus_D', 'stripe:cus_E', 'u_a', 'u_b']);
	});
});

describe('MRR and its movements', () => {
	it('MRR at the end of each month', async () => {
		// E: €19 a month, valued at the day's rate: 20.90 in October (× 1.10), 22.80 in November (× 1.20).
		// Oct 31: A Pro 200 + B 19200/12 = 16 + C 2000 × 1500/2000 = 15 (coupon) + E 20.90 = 251.90 (D canceled Oct 25)
		// Nov 30: A 200 + B 16 + D Plus 20 + E 22.80 = 258.80 (C ended Nov 5)
		const { response } = await runMetric({ metric: 'mrr', from: '2026-10-01', to: '2026-12-01', grain: 'month' });
		expect(response.rows.map((r) => [r.period, r.value])).toEqual([['2026-10-01', 251.9], ['2026-11-01', 258.8]]);
		// Oct 14, before A's upgrade: A 20 + B 16 + C 15 + E 20.90 = 71.90; Oct 15: the proration credit cancels Plus, Pro counts: 200 + 51.90 = 251.90.
		const days = await runMetric({ metric: 'mrr', from: '2026-10-14', to: '2026-10-16', grain: 'day' });
		expect(days.response.rows.map((r) => r.value)).toEqual([71.9, 251.9]);
	});

	it('October movements: new, expansion, churn; opening + movements = closing', async () => {
		// new: A 20 (Oct 1) + E €19 × 1.10 = 20.90 (Oct 1, at that day's rate) + C 15 (Oct 5) + B 16 (Oct 10) + D 200 (Oct 20) = 271.90
		// expansion: A Plus → Pro on Oct 15: 200 − 20 = 180
		// churn: D canceled Oct 25 12:00: −200
		// 0 + 271.90 + 180 − 200 = 251.90
		const { response } = await runMetric({ metric: 'mrr_movements', ...OCT, grain: 'total', group_by: ['movement'] });
		const by = Object.fromEntries(response.rows.map((r) => [r.movement, r.value]));
		expect(by).toEqual({ new: 271.9, expansion: 180, contraction: 0, churn: -200, reactivation: 0 });
		expect(response.rows[0]!.opening_mrr).toBe(0);
		expect(response.rows[0]!.closing_mrr).toBe(251.9);
	});

	it('November movements: churn at period end, reactivation', async () => {
		// C's canceled-at-period-end subscription stops Nov 5: −15; D returns on Plus Nov 10: reactivation +20.
		// 251.90 − 15 + 20 = 256.90 (E unchanged: no movement)
		const { response } = await runMetric({ metric: 'mrr_movements', ...NOV, grain: 'total', group_by: ['movement'] });
		expect(Object.fromEntries(response.rows.map((r) => [r.movement, r.value]))).toEqual({ new: 0, expansion: 0, contraction: 0, churn: -15, reactivation: 20 });
	});

	it('opening + movements = closing exactly, per day, week and month, in total and per plan', async () => {
		for (const grain of ['day', 'week', 'month'] as const) {
			for (const group_by of [['movement'], ['plan', 'movement']] as const) {
				const { response } = await runMetric({ metric: 'mrr_movements', from: '2026-09-28', to: '2026-12-03', grain, group_by: [...group_by] });
				const groups = new Map<string, { open: number; close: number; sum: number }>();
				for (const r of response.rows) {
					const key = `${r.period}|${r.plan ?? ''}`;
					const g = groups.get(key) ?? { open: Number(r.opening_mrr), close: Number(r.closing_mrr), sum: 0 };
					g.sum += Number(r.value);
					groups.set(key, g);
				}
				expect(groups.size).toBeGreaterThan(0);
				for (const [key, g] of groups) expect(`${key}: ${(g.open + g.sum).toFixed(9)}`).toBe(`${key}: ${g.close.toFixed(9)}`);
			}
		}
		// And the month levels chain: each month opens where the previous closed.
		// Movements value each change at the rate of its day, so E stays at 20.90: November closes at
		// 256.90 where mrr (E at November's rate, 22.80) says 258.80: the 1.90 revaluation is not a movement (docs/finance.md).
		const { response } = await runMetric({ metric: 'mrr_movements', from: '2026-10-01', to: '2026-12-01', grain: 'month' });
		expect(response.rows.map((r) => [r.opening_mrr, r.value, r.closing_mrr])).toEqual([[0, 251.9, 251.9], [251.9, 5, 256.9]]);
	});
});

describe('paid-plan intervals', () => {
	it('user_plan_intervals cuts the old plan at the upgrade and stops at cancellation', async () => {
		const rows = await query<{ user_id: string; plan: string; valid_from: string; valid_to: string }>('SELECT * FROM user_plan_intervals ORDER BY user_id, valid_from', { tag: 'test' });
		expect(rows).toEqual([
			{ user_id: 'stripe:cus_C', plan: 'plus', valid_from: '2026-10-05 00:00:00.000', valid_to: '2026-11-05 00:00:00.000' },
			{ user_id: 'stripe:cus_D', plan: 'pro', valid_from: '2026-10-20 00:00:00.000', valid_to: '2026-10-25 12:00:00.000' },
			{ user_id: 'stripe:cus_D', plan: 'plus', valid_from: '2026-11-10 00:00:00.000', valid_to: '2026-12-10 00:00:00.000' },
			{ user_id: 'stripe:cus_E', plan: 'plus', valid_from: '2026-10-01 00:00:00.000', valid_to: '2026-11-01 00:00:00.000' },
			{ user_id: 'u_a', plan: 'plus', valid_from: '2026-10-01 00:00:00.000', valid_to: '2026-10-15 12:00:00.000' },
			{ user_id: 'u_a', plan: 'pro', valid_from: '2026-10-15 12:00:00.000', valid_to: '2026-12-01 00:00:00.000' },
			{ user_id: 'u_b', plan: 'plus', valid_from: '2026-10-10 00:00:00.000', valid_to: '2027-10-10 00:00:00.000' }
		]);
	});
});

describe('a currency other than USD', () => {
	it('is kept in its currency and shown beside USD in the rows behind revenue and MRR', async () => {
		const { runDrilldown } = await import('../../src/lib/server/metrics/drill.js');
		const rev = await runDrilldown({ metric: 'subscription_revenue', ...OCT, grain: 'total' });
		// E's October: 1900 euro cents = €19.00, 20.86 USD (each day at its rate, see October above).
		expect(rev.rows.find((r) => r.user_id === 'stripe:cus_E')).toMatchObject({ currency: 'EUR', amount_original: 19, amount_usd: 20.86 });
		expect(rev.rows.filter((r) => r.currency === 'USD').length).toBeGreaterThan(0);
		const mrr = await runDrilldown({ metric: 'mrr', ...NOV, grain: 'total' });
		expect(mrr.rows.find((r) => r.customer_id === 'cus_E')).toMatchObject({ currency: 'EUR', mrr_original: 19, mrr_usd: 22.8 });
	});

	it('a missing rate stops the figure with an error naming the currency and day, never a silent zero', async () => {
		const { MissingFxRateError } = await import('../../src/lib/server/metrics/fx.js');
		// The rates end on 2026-12-31; E's subscription runs on, so January needs EUR rates.
		const jan = { from: '2027-01-01', to: '2027-02-01' };
		const err = await runMetric({ metric: 'mrr', ...jan, grain: 'total' }).catch((e) => e);
		expect(err).toBeInstanceOf(MissingFxRateError);
		expect(err.message).toContain('no rate for EUR on 2027-01-01');
		const { runDrilldown } = await import('../../src/lib/server/metrics/drill.js');
		await expect(runDrilldown({ metric: 'mrr', ...jan, grain: 'total' })).rejects.toThrow('no rate for EUR on 2027-01-01');
		// Revenue in January has no EUR amount to convert (E was invoiced for October only), so it needs no rate:
		// only B's yearly line, days 83 → 114 of 365: floor(19200 × 114/365) − floor(19200 × 83/365) = floor(5996.71) − floor(4366.03) = 1630 cents.
		expect(await total('subscription_revenue', jan)).toBe(16.3);
	});
});

describe('rows behind the numbers', () => {
	it('add up to each metric', async () => {
		const { runDrilldown } = await import('../../src/lib/server/metrics/drill.js');
		for (const [metric, col, expected] of [
			['subscription_revenue', 'amount_usd', 178.7],
			['mrr', 'mrr_usd', 251.9],
			['mrr_movements', 'delta', 251.9] // opening 0 → closing 251.90
		] as const) {
			const d = await runDrilldown({ metric, ...OCT, grain: 'total' });
			const sum = d.rows.reduce((s, r) => s + Number(r[col]), 0);
			expect(`${metric} ${sum.toFixed(6)}`).toBe(`${metric} ${expected.toFixed(6)}`);
			expect(d.hasUserRows).toBe(true);
		}
	});
});
