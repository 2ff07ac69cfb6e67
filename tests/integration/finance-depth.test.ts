import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { dataDir, open } = useTempWarehouse('loopmeter-finance-depth-');
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { GET as metricGET } from '../../src/routes/api/v1/metrics/[id]/+server.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import type { MetricId, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';
import { fileURLToPath } from 'node:url';
import { ingest } from '../../ingest/index.js';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';

/*
 * Cost per output-second and cost per clip on the money fixture (tests/fixtures/money/,
 * hand-computed in tests/integration/money.test.ts), period [2026-10-01, 2026-10-04).
 *
 * Job costs (by_use, every cluster-day the job ran): J1 132 (4 h × $12 on 10-01 + 4 h × $21
 * on 10-02), J2 24 (failed), J3 24, J4 120, J5 120 (moderated), J6 72 → Σ 492. J7 ends 10-04: out.
 * Succeeded output: J1 10 s, J3 8 s, J4 12 s, J6 10 s → 40 s, 4 clips.
 *   cost per output-second = 492 / 40 = 12.30; cost per clip = 492 / 4 = 123.
 * By model: video-gen-2-pro J1 + J5 = 252 / 10 s = 25.20, / 1 clip = 252;
 *           video-gen-2 J2 + J3 + J4 + J6 = 240 / 30 s = 8.00, / 3 clips = 80.
 * By plan: pro J1 + J5 252 / 10 = 25.20; free J2 + J3 + J6 120 / 18 = 6.666…; feed_prefill J4 120 / 12 = 10.
 * By end day: 10-01 J2 + J3 48 / 8 s = 6; 10-02 J1 + J4 252 / 22 s = 11.4545…; 10-03 J5 + J6 192 / 10 s = 19.20.
 * Period [10-02, 10-04): J1 ended 10-02 02:00 and still carries its 10-01 hours: 132 + 120 + 120 + 72
 *   = 444 / (10 + 12 + 10) s = 13.875; J2, J3 (ended 10-01) are out.
 * What-if gpu_price_factor 0.8: rent-a ×0.8 (J1 105.60, J2 19.20, J3 19.20, J6 57.60); own-b per GPU-h
 *   1.00 × 0.8 + 0.15 + 0.10 = 1.05 → 96 h × 1.05 = 100.80 a day (J4 100.80, J5 100.80) → Σ 403.20;
 *   / 40 s = 10.08 (from 12.30), / 4 clips = 100.80.
 */
const PERIOD = { from: '2026-10-01', to: '2026-10-04' };
const CENT = 2;

const rows = async (metric: MetricId, extra: Partial<MetricRequestInput> = {}) =>
	(await runMetric({ metric, ...PERIOD, grain: 'total', ...extra })).response.rows;
const byKey = (list: Record<string, unknown>[], key: string) => Object.fromEntries(list.map((r) => [String(r[key]), r]));

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
});

describe('cost per output-second and per clip on the hand-computed fixture', () => {
	it('charges what was delivered with the failed and moderated attempts: $12.30 per output-second, $123 per clip', async () => {
		const [s] = await rows('cost_per_output_second');
		expect(s!.value as number).toBeCloseTo(12.3, CENT);
		expect(s!.job_cost_usd as number).toBeCloseTo(492, CENT);
		expect(s!.delivered_output_seconds).toBe(40);
		expect(s!.failed_attempt_cost_usd as number).toBeCloseTo(144, CENT);
		const [c] = await rows('cost_per_clip');
		expect(c!.value as number).toBeCloseTo(123, CENT);
		expect(c!.delivered_clips).toBe(4);
	});

	it('splits by model and by plan, each job in its own group', async () => {
		const m = byKey(await rows('cost_per_output_second', { group_by: ['model'] }), 'model');
		expect(m['video-gen-2-pro']!.value as number).toBeCloseTo(25.2, CENT);
		expect(m['video-gen-2']!.value as number).toBeCloseTo(8, CENT);
		const clip = byKey(await rows('cost_per_clip', { group_by: ['model', 'resolution'] }), 'model');
		expect(clip['video-gen-2-pro']!.value as number).toBeCloseTo(252, CENT);
		expect(clip['video-gen-2']!.value as number).toBeCloseTo(80, CENT);
		const p = byKey(await rows('cost_per_output_second', { group_by: ['plan'] }), 'plan');
		expect(p.pro!.value as number).toBeCloseTo(25.2, CENT);
		expect(p.free!.value as number).toBeCloseTo(120 / 18, CENT);
		expect(p.feed_prefill!.value as number).toBeCloseTo(10, CENT);
		expect(Object.keys(p).sort()).toEqual(['feed_prefill', 'free', 'pro']);
	});

	it('dates each job by the day it ended', async () => {
		const d = byKey(await rows('cost_per_output_second', { grain: 'day' }), 'period');
		expect(d['2026-10-01']!.value as number).toBeCloseTo(6, CENT);
		expect(d['2026-10-02']!.value as number).toBeCloseTo(252 / 22, CENT);
		expect(d['2026-10-03']!.value as number).toBeCloseTo(19.2, CENT);
	});

	it('charges a job that began before the period the cost of its earlier days', async () => {
		const [s] = await rows('cost_per_output_second', { from: '2026-10-02' });
		expect(s!.job_cost_usd as number).toBeCloseTo(444, CENT);
		expect(s!.value as number).toBeCloseTo(13.875, CENT);
		const drill = await runDrilldown({ metric: 'cost_per_output_second', from: '2026-10-02', to: '2026-10-04' });
		const jobs = byKey(drill.rows, 'job_id');
		expect(Object.keys(jobs).sort()).toEqual(['J1', 'J4', 'J5', 'J6']);
		expect(Number(jobs.J1!.cost_usd)).toBeCloseTo(132, CENT);
	});

	it('falls with a GPU price cut by exactly the cut in job cost', async () => {
		const what_if = { gpu_price_factor: 0.8 };
		const [s] = await rows('cost_per_output_second', { what_if });
		expect(s!.value as number).toBeCloseTo(10.08, CENT);
		const [c] = await rows('cost_per_clip', { what_if });
		expect(c!.value as number).toBeCloseTo(100.8, CENT);
	});

	it('lists the rows behind it: every job that ended in the period, failed attempts beside the retry', async () => {
		const drill = await runDrilldown({ metric: 'cost_per_clip', ...PERIOD });
		expect(drill.rows.map((r) => r.job_id)).toEqual(['J1', 'J2', 'J3', 'J4', 'J5', 'J6']);
		const sum = (k: string) => drill.rows.reduce((s, r) => s + Number(r[k]), 0);
		expect(sum('cost_usd')).toBeCloseTo(492, CENT);
		expect(sum('output_seconds')).toBe(40);
		expect(sum('clips')).toBe(4);
	});

	it('does not move with the idle-sharing policy (job cost is defined at by_use)', async () => {
		for (const idle_policy of ['separate', 'even'] as const) {
			const [s] = await rows('cost_per_output_second', { idle_policy });
			expect(s!.value as number).toBeCloseTo(12.3, CENT);
		}
	});
});

describe('cost per unit of output through the API, CSV and CLI', () => {
	const api = async (id: string, qs: string) => {
		const url = new URL(`http://x/api/v1/metrics/${id}?${qs}`);
		return (await metricGET({ params: { id }, url, request: new Request(url) } as never)) as Response;
	};

	it('API JSON has the docs/metrics.md shape and the CSV the same numbers', async () => {
		const qs = `from=${PERIOD.from}&to=${PERIOD.to}&grain=total&by=model`;
		const json = await (await api('cost_per_output_second', qs)).json();
		expect(Object.keys(json).sort()).toEqual(['from', 'grain', 'group_by', 'metric', 'rows', 'to', 'unit']);
		expect(json).toMatchObject({ metric: 'cost_per_output_second', unit: 'usd_per_output_second', grain: 'total', group_by: ['model'] });
		const csv = Papa.parse<Record<string, string>>(await (await api('cost_per_output_second', `${qs}&format=csv`)).text(), { header: true, skipEmptyLines: true }).data;
		expect(csv).toHaveLength(2);
		const pro = csv.find((r) => r.model === 'video-gen-2-pro')!;
		expect(Number(pro.value)).toBeCloseTo(25.2, CENT);
	});

	it(
		'the CLI answers cost_per_output_second and cost_per_clip --json, and takes --idle-policy',
		async () => {
			await closeWarehouse();
			const run = promisify(execFile);
			const cli = async (...args: string[]) =>
				JSON.parse(
					(
						await run('node', ['bin/loopmeter.js', 'metrics', ...args, '--from', PERIOD.from, '--to', PERIOD.to, '--grain', 'total', '--json'], {
							env: { ...process.env, LOOPMETER_DATA: dataDir },
							timeout: 120_000
						})
					).stdout
				);
			try {
				const s = await cli('cost_per_output_second');
				expect(s).toMatchObject({ metric: 'cost_per_output_second', unit: 'usd_per_output_second', from: PERIOD.from, to: PERIOD.to, grain: 'total', group_by: [] });
				expect(s.rows[0].value).toBeCloseTo(12.3, CENT);
				const c = await cli('cost_per_clip');
				expect(c.rows[0].value).toBeCloseTo(123, CENT);
				// Money fixture under `separate`: pro carries J1 4 h × $2 + 4 h × $1.75 and J5 12 h × $1.25 = 30 → (36 − 30) / 20 h.
				const m = await cli('margin_per_gpu_hour', '--by', 'plan', '--idle-policy', 'separate');
				expect(m.idle_policy).toBe('separate');
				expect(m.rows.find((r: { plan: string }) => r.plan === 'pro').value).toBeCloseTo(0.3, CENT);
			} finally {
				await open();
			}
		},
		600_000
	);
});

/*
 * Reconciliation with provider invoices (tests/fixtures/finance/gpu_invoices.ndjson) on the money fixture,
 * October 2026 ([10-01, 11-01), grain month):
 *   rent-a computed (rented): 96 + 84 + 72 + 28 days × 48 h × $1.50 = 2268; invoiced 2272.65 − 10.00 (credit) = 2262.65
 *     → variance −5.35, share −5.35 / 2268. own-b is owned: not reconciled.
 *   rent-x: invoice 310, no computed spend → +310. INV-BAD (month 10-15) is a dead letter naming month.
 *   [10-01, 10-04): rent-a invoiced 2262.65 × 3 / 31 against 252 computed.
 *   Days behind it: each day is billed 2262.65 / 31 = 72.99 on rent-a; 10-01 computed 96 → −23.01, the largest.
 */
describe('compute spend reconciled with provider invoices', () => {
	let report: IngestReport;
	beforeAll(async () => {
		const path = fileURLToPath(new URL('../fixtures/finance/gpu_invoices.ndjson', import.meta.url));
		[report] = (await ingest({ source: 'gpu_invoices', paths: [path], format: 'ndjson', quiet: true, actor: 'finance-test' })) as [IngestReport];
	});
	const OCT = { from: '2026-10-01', to: '2026-11-01' };

	it('loads invoices and rejects one not dated on the first of its month', () => {
		expect(report.rows_loaded).toBe(3);
		expect(report.rows_rejected).toBe(1);
		expect(report.examples[0]).toMatchObject({ line: 4, field: 'month' });
	});

	it('gives the variance per cluster and month, to the cent', async () => {
		const r = await runMetric({ metric: 'compute_invoice_variance', ...OCT, grain: 'month', group_by: ['cluster'] });
		const c = byKey(r.response.rows, 'cluster');
		expect(Object.keys(c).sort()).toEqual(['rent-a', 'rent-x']);
		expect(c['rent-a']!.value as number).toBeCloseTo(-5.35, CENT);
		expect(c['rent-a']!.computed_total_usd as number).toBeCloseTo(2268, CENT);
		expect(c['rent-a']!.invoiced_total_usd as number).toBeCloseTo(2262.65, CENT);
		expect(c['rent-a']!.variance_share as number).toBeCloseTo(-5.35 / 2268, 9);
		expect(c['rent-x']!.value as number).toBeCloseTo(310, CENT);
		const [short] = (await runMetric({ metric: 'compute_invoice_variance', ...PERIOD, grain: 'total', filters: { cluster: ['rent-a'] } })).response.rows;
		expect(short!.value as number).toBeCloseTo((2262.65 * 3) / 31 - 252, CENT);
	});

	it('lists the days behind a variance, largest difference first', async () => {
		const drill = await runDrilldown({ metric: 'compute_invoice_variance', ...OCT, filters: { cluster: ['rent-a'] } });
		expect(drill.rows).toHaveLength(31);
		expect(drill.rows[0]).toMatchObject({ day: '2026-10-01', cluster: 'rent-a' });
		expect(Number(drill.rows[0]!.variance_usd)).toBeCloseTo(2262.65 / 31 - 96, CENT);
		expect(drill.rows.reduce((s, r) => s + Number(r.variance_usd), 0)).toBeCloseTo(-5.35, CENT);
		expect(drill.rows[0]!.invoice_ids).toEqual(expect.arrayContaining(['INV-A-2026-10', 'INV-A-2026-10-credit']));
	});
});

/*
 * Budgets (tests/fixtures/finance/budgets.ndjson) on the money fixture, period [10-01, 10-04) = 3 of October's 31 days:
 *   compute: company budget 2300 (the rent-a 2000 is a breakdown, left out) → 2300 × 3 / 31 = 222.58; actual spend 492
 *     → +269.42 over budget.
 *   revenue: 310 × 3 / 31 = 30; actual 46.50 → +16.50.
 *   Line 4 (a revenue budget with a scope) and line 5 (month not on the 1st) are dead letters naming the field.
 */
describe('budget vs actual', () => {
	let report: IngestReport;
	beforeAll(async () => {
		const path = fileURLToPath(new URL('../fixtures/finance/budgets.ndjson', import.meta.url));
		[report] = (await ingest({ source: 'budgets', paths: [path], format: 'ndjson', quiet: true, actor: 'finance-test' })) as [IngestReport];
	});

	it('loads budgets and rejects bad rows naming the field', () => {
		expect(report.rows_loaded).toBe(3);
		expect(report.rows_rejected).toBe(2);
		expect(Object.fromEntries(report.examples.map((e) => [e.line, e.field]))).toEqual({ 4: 'scope', 5: 'month' });
	});

	it('compares month-to-date actuals with the pro-rated budget, company budgets never counted twice', async () => {
		const r = byKey((await runMetric({ metric: 'budget_variance', ...PERIOD, grain: 'total', group_by: ['budget_line'] })).response.rows, 'budget_line');
		expect(r.compute!.budget_total_usd as number).toBeCloseTo((2300 * 3) / 31, CENT);
		expect(r.compute!.actual_total_usd as number).toBeCloseTo(492, CENT);
		expect(r.compute!.value as number).toBeCloseTo(492 - (2300 * 3) / 31, CENT);
		expect(r.revenue!.value as number).toBeCloseTo(16.5, CENT);
		expect(r.revenue!.variance_share as number).toBeCloseTo(16.5 / 30, 9);
		const drill = await runDrilldown({ metric: 'budget_variance', ...PERIOD, filters: { budget_line: ['revenue'] } });
		expect(drill.rows.reduce((s, x) => s + Number(x.variance_usd), 0)).toBeCloseTo(16.5, CENT);
	});
});
