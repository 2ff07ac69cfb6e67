import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open } = useTempWarehouse('loopmeter-finance-forecast-');
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import type { MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { ingest } from '../../ingest/index.js';
import { listBudgets, setBudget } from '../../src/lib/server/finance/budgets.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { GET as budgetsGET } from '../../src/routes/api/v1/budgets/+server.js';

/*
 * Month-end forecast on tests/fixtures/forecast/, as seen at to = 2026-11-21:
 * month to date = Nov 1–20, 10 days left of 30, run-rate window Nov 7–20 (14 days).
 * t(0.975, 13) = 2.160368656 (tables); interval = forecast ± t · s · √(10 + 100/14) = ± t · s · 4.140393.
 *
 * compute rent-a: 2 GPUs × $2 × 24 h = $96 a day to Nov 14, 3 GPUs = $144 from Nov 15.
 *   MTD = 14 × 96 + 6 × 144 = 2208; window = 8 × 96 + 6 × 144 = 1632, mean 116.571429;
 *   s = √((8 × 20.571429² + 6 × 27.428571²) / 13) = 24.650524;
 *   forecast = 2208 + 10 × 116.571429 = 3373.71 ± 2.160369 × 24.650524 × 4.140393 = 220.49 → [3153.22, 3594.21]; budget 3000.
 * compute rent-b: 1 GPU × $1.50 × 24 h = $36 a day from Nov 10 (11 days; Nov 7–9 count 0 in the window).
 *   MTD 396; window 396, mean 28.285714, s = 15.329351; forecast = 678.86 ± 137.12 → [541.74, 815.97]; budget 600.
 * compute total (the daily sums: 96 on Nov 7–9, 132 on Nov 10–14, 180 on Nov 15–20):
 *   MTD 2604; window 2028, mean 144.857143, s = 34.415688; forecast 4052.57 ± 307.84 → [3744.73, 4360.41]; budget 3600.
 *   (Not the sum of the clusters' intervals: the spread is that of the summed series.)
 * revenue (ads): $100 a day Nov 1–6; Nov 7–20: 80 120 100 90 110 100 — (no row on Nov 13: 0) 130 70 100 100 110 90 100.
 *   MTD = 600 + 1300 = 1900; mean 92.857143, s = 30.741746; forecast 2828.57 ± 274.98 → [2553.59, 3103.55]; budget 3000.
 * October (grain month, from Oct 25): over before to, no days left: forecast = actual = $50 revenue (Oct 31), budget 1000.
 * As of Dec 1 (data through Nov 30; the fleet stays on): December, nothing yet, 31 days left; window Nov 17–30 of compute
 *   = 144 + 36 = $180 every day, s = 0 → forecast 31 × 180 = 5580, interval of no width; no December budget.
 */
const AS_OF = { from: '2026-11-01', to: '2026-11-21' };
const CENT = 2;

const byKey = (list: Record<string, unknown>[], key: string) => Object.fromEntries(list.map((r) => [String(r[key]), r]));
const forecast = async (extra: Partial<MetricRequestInput>) => (await runMetric({ metric: 'budget_forecast', ...AS_OF, grain: 'total', ...extra })).response.rows;

beforeAll(async () => {
	await open();
	for (const source of ['gpu_fleet', 'ad_revenue', 'budgets'] as const) {
		const path = fileURLToPath(new URL(`../fixtures/forecast/${source}.ndjson`, import.meta.url));
		const reports = await ingest({ source, paths: [path], format: 'ndjson', quiet: true, actor: 'forecast-test' });
		for (const r of reports) if (r.rows_rejected || r.outcome !== 'succeeded') throw new Error(`${source}: ${JSON.stringify(r.examples)}`);
	}
});

describe('month-end run-rate forecast on the hand-computed fixture', () => {
	it('forecasts each cluster: month to date + days left × the 14-day mean, with its prediction interval', async () => {
		const c = byKey(await forecast({ group_by: ['budget_line', 'cluster'], filters: { budget_line: ['compute'] } }), 'cluster');
		expect(Object.keys(c).sort()).toEqual(['rent-a', 'rent-b']);
		const a = c['rent-a']!;
		expect(a.actual_mtd_usd as number).toBeCloseTo(2208, CENT);
		expect(a.days_left).toBe(10);
		expect(a.run_rate_usd_per_day as number).toBeCloseTo(116.571429, CENT);
		expect(a.run_rate_sd_usd as number).toBeCloseTo(24.650524, CENT);
		expect(a.value as number).toBeCloseTo(3373.71, CENT);
		expect(a.forecast_low_usd as number).toBeCloseTo(3153.22, CENT);
		expect(a.forecast_high_usd as number).toBeCloseTo(3594.21, CENT);
		expect(a.budget_usd as number).toBeCloseTo(3000, CENT);
		expect(a.forecast_vs_budget_usd as number).toBeCloseTo(373.71, CENT);
		const b = c['rent-b']!;
		expect(b.actual_mtd_usd as number).toBeCloseTo(396, CENT);
		expect(b.value as number).toBeCloseTo(678.86, CENT);
		expect(b.forecast_low_usd as number).toBeCloseTo(541.74, CENT);
		expect(b.forecast_high_usd as number).toBeCloseTo(815.97, CENT);
	});

	it('forecasts the total from the summed daily series, and revenue beside it, a missing day counting 0', async () => {
		const l = byKey(await forecast({ group_by: ['budget_line'] }), 'budget_line');
		expect(l.compute!.actual_mtd_usd as number).toBeCloseTo(2604, CENT);
		expect(l.compute!.value as number).toBeCloseTo(4052.57, CENT);
		expect(l.compute!.forecast_low_usd as number).toBeCloseTo(3744.73, CENT);
		expect(l.compute!.forecast_high_usd as number).toBeCloseTo(4360.41, CENT);
		expect(l.compute!.budget_usd as number).toBeCloseTo(3600, CENT);
		expect(l.revenue!.actual_mtd_usd as number).toBeCloseTo(1900, CENT);
		expect(l.revenue!.run_rate_sd_usd as number).toBeCloseTo(30.741746, CENT);
		expect(l.revenue!.value as number).toBeCloseTo(2828.57, CENT);
		expect(l.revenue!.forecast_low_usd as number).toBeCloseTo(2553.59, CENT);
		expect(l.revenue!.forecast_high_usd as number).toBeCloseTo(3103.55, CENT);
		expect(l.revenue!.forecast_vs_budget_usd as number).toBeCloseTo(-171.43, CENT);
	});

	it('counts the month from its first day whatever the period start, and a past month as its actual', async () => {
		const mid = byKey(await forecast({ from: '2026-11-15', group_by: ['budget_line'] }), 'budget_line');
		expect(mid.revenue!.value as number).toBeCloseTo(2828.57, CENT);
		const months = (await runMetric({ metric: 'budget_forecast', from: '2026-10-25', to: '2026-11-21', grain: 'month', group_by: ['budget_line'], filters: { budget_line: ['revenue'] } })).response.rows;
		const m = byKey(months, 'period');
		expect(m['2026-10-01']!.value as number).toBeCloseTo(50, CENT);
		expect(m['2026-10-01']!.forecast_low_usd as number).toBeCloseTo(50, CENT);
		expect(m['2026-10-01']!.forecast_high_usd as number).toBeCloseTo(50, CENT);
		expect(m['2026-10-01']!.days_left).toBe(0);
		expect(m['2026-10-01']!.budget_usd as number).toBeCloseTo(1000, CENT);
		expect(m['2026-11-01']!.value as number).toBeCloseTo(2828.57, CENT);
	});

	it('on the 1st forecasts the whole month ahead from the last 14 days (fleet $180 a day since Nov 15: 31 × 180)', async () => {
		const l = byKey(await forecast({ from: '2026-11-01', to: '2026-12-01', group_by: ['budget_line'], filters: { budget_line: ['compute'] } }), 'budget_line');
		expect(l.compute!.actual_mtd_usd).toBe(0);
		expect(l.compute!.days_left).toBe(31);
		expect(l.compute!.value as number).toBeCloseTo(5580, CENT);
		expect(l.compute!.forecast_low_usd as number).toBeCloseTo(5580, CENT);
		expect(l.compute!.budget_usd).toBe(0);
	});

	it('lists months at a daily grain (a forecast is monthly), and adds the lines when not grouped by them', async () => {
		const days = await runMetric({ metric: 'budget_forecast', ...AS_OF, grain: 'day', group_by: ['budget_line'] });
		expect(days.response.rows.map((r) => [r.period, r.budget_line])).toEqual([['2026-11-01', 'compute'], ['2026-11-01', 'revenue']]);
		const [both] = await forecast({});
		expect(both!.value as number).toBeCloseTo(4052.57 + 2828.57, CENT);
	});

	it('lists the days behind it: month to date, the run-rate window and the days left', async () => {
		const d = await runDrilldown({ metric: 'budget_forecast', ...AS_OF, filters: { budget_line: ['revenue'] } });
		const day = byKey(d.rows, 'day');
		expect(Object.keys(day)).toHaveLength(30);
		expect(Number(day['2026-11-13']!.actual_usd)).toBe(0);
		expect(Number(day['2026-11-06']!.run_rate_window)).toBe(0);
		expect(Number(day['2026-11-07']!.run_rate_window)).toBe(1);
		expect(Number(day['2026-11-21']!.days_left)).toBe(1);
		expect(Number(day['2026-11-21']!.budget_usd)).toBeCloseTo(100, CENT);
	});
});

describe('budgets set by admins beside the budgets file', () => {
	const key = { month: '2026-11-01', line: 'compute', scope: 'rent-b' } as const;
	const rentB = async () => byKey(await forecast({ group_by: ['budget_line', 'cluster'], filters: { budget_line: ['compute'] } }), 'cluster')['rent-b']!;

	it('the latest set wins, whether an admin set it or a file loaded it, and says who set it', async () => {
		const set = await setBudget({ ...key, amount_usd: 700 }, 'alice');
		expect(set).toMatchObject({ ...key, amount_usd: 700, set_by: 'alice' });
		expect((await rentB()).budget_usd as number).toBeCloseTo(700, CENT);

		const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
		const file = join(dir, 'budgets-later.ndjson');
		writeFileSync(file, JSON.stringify({ ...key, amount_usd: '650.00' }) + '\n');
		const [report] = await ingest({ source: 'budgets', paths: [file], format: 'ndjson', quiet: true, actor: 'forecast-test' });
		expect(report!.rows_loaded).toBe(1);
		const afterFile = (await listBudgets({ from: '2026-11-01', to: '2026-12-01' })).find((b) => b.scope === 'rent-b')!;
		expect(afterFile.amount_usd).toBe(650);
		expect(afterFile.set_by).toBe('');
		expect((await rentB()).budget_usd as number).toBeCloseTo(650, CENT);

		await setBudget({ ...key, amount_usd: 720.5 }, 'bob');
		expect((await rentB()).budget_usd as number).toBeCloseTo(720.5, CENT);
		expect((await rentB()).forecast_vs_budget_usd as number).toBeCloseTo(678.86 - 720.5, CENT);
		// The other lines keep their file values.
		expect((await listBudgets({ from: '2026-11-01', to: '2026-12-01' })).map((b) => [b.line, b.scope, b.amount_usd, b.set_by])).toEqual([
			['compute', 'rent-a', 3000, ''],
			['compute', 'rent-b', 720.5, 'bob'],
			['revenue', '', 3000, '']
		]);
	});

	it('audits every set with the value it replaced', async () => {
		const rows = await query<{ actor: string; target: string; detail: string }>(
			`SELECT actor, target, detail FROM audit_log WHERE action = 'budget.set' ORDER BY ts`,
			{ tag: 'test:audit' }
		);
		expect(rows.map((r) => r.actor)).toEqual(['alice', 'bob']);
		expect(rows[0]!.target).toBe('2026-11-01 compute rent-b');
		expect(rows[0]!.detail).toMatch(/^700 USD; was 600 \(file /);
		expect(rows[1]!.detail).toMatch(/^720.5 USD; was 650 \(file /);
	});

	it('refuses a bad line naming the field, and stores nothing', async () => {
		await expect(setBudget({ month: '2026-11-01', line: 'revenue', scope: 'rent-a', amount_usd: 1 }, 'alice')).rejects.toThrow(/^scope: must be empty for revenue/);
		await expect(setBudget({ month: '2026-11-15', line: 'compute', amount_usd: 1 }, 'alice')).rejects.toThrow(/^month: must be the first day/);
		await expect(setBudget({ month: '2026-11-01', line: 'compute', amount_usd: -5 }, 'alice')).rejects.toThrow(/^amount_usd: must be ≥ 0/);
		await expect(setBudget({ month: '2026-11-01', line: 'travel' as 'compute', amount_usd: 5 }, 'alice')).rejects.toThrow(/^line: /);
		expect(await listBudgets({ from: '2026-11-01', to: '2026-12-01' })).toHaveLength(3);
	});

	it('GET /api/v1/budgets?format=csv lists the lines as they stand, a column per field; a bad date is a 400 naming it', async () => {
		const get = (q: string) => budgetsGET({ url: new URL(`http://x/api/v1/budgets?${q}`) } as never) as Promise<Response>;
		const csv = await (await get('from=2026-11-01&to=2026-12-01&format=csv')).text();
		const [header, ...lines] = csv.trim().split('\n');
		expect(header).toBe('month,line,scope,amount_usd,set_by,ingest_run_id,set_at');
		expect(lines.map((l) => l.split(',').slice(0, 5).join(','))).toEqual(['2026-11-01,compute,rent-a,3000,', '2026-11-01,compute,rent-b,720.5,bob', '2026-11-01,revenue,,3000,']);
		await expect(get('from=November')).rejects.toMatchObject({ status: 400, body: { message: 'from: must be a date like 2026-10-01' } });
	});
});
