import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { dataDir, open } = useTempWarehouse('loopmeter-finance-revenue-');
import { ingest } from '../../ingest/index.js';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { MissingFxRateError } from '../../src/lib/server/metrics/fx.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { GET as metricGET } from '../../src/routes/api/v1/metrics/[id]/+server.js';
import { fxRevenueEvents } from '../fixtures/finance/fx-revenue.js';

/*
 * Currencies and revenue reconciliation on tests/fixtures/finance/fx-revenue.ts, rates from
 * tests/fixtures/finance/fx_rates.ndjson: EUR 1.10 (Oct 30), 1.12 (Oct 31), 1.15 (Nov 1);
 * GBP 1.25 (Oct 31), 1.30 (Nov 1).
 *
 * Recognized, each service day at its rate (minor units × rate, to the cent):
 *   Oct 30  EU €10 × 1.10 = 11.00                                                   11.00
 *   Oct 31  EU €10 × 1.12 = 11.20; GB £10 × 1.25 = 12.50                            23.70
 *   Nov  1  EU €10 × 1.15 = 11.50; GB £10 × 1.30 = 13.00;
 *           credit note −€3 × 1.15 = −3.45; refund −£5 × 1.30 = −6.50              14.55
 *   (in_US is open: nothing recognized.)  October 34.70, November 14.55.
 * MRR at the day's rate: Oct 30 EU €30 × 1.10 = 33.00; Oct 31 €30 × 1.12 + £20 × 1.25 = 33.60 + 25.00 = 58.60;
 *   Nov 1 €30 × 1.15 + £20 × 1.30 = 34.50 + 26.00 = 60.50.
 *
 * Reconciliation (per calendar month), October:
 *   invoiced: in_EU €36 × 1.10 = 39.60 + in_GB £20 × 1.25 = 25.00 + in_US 10.00  = 74.60
 *   collected: in_EU €35 paid Oct 30 × 1.10                                       = 38.50
 *   invoiced − recognized = 74.60 − 34.70 = 39.90 =
 *     deferred  in_EU's Nov 1 day 11.50 + in_GB's 13.00                             24.50
 *     tax       €6 × 1.10                                                            6.60
 *     unpaid    in_US                                                               10.00
 *     currency  in_EU €30 × 1.10 = 33.00 − (11.00 + 11.20 + 11.50) = −0.70;
 *               in_GB £20 × 1.25 = 25.00 − (12.50 + 13.00) = −0.50                 −1.20
 *     credit notes, refunds, unexplained                                             0
 *   collected − invoiced = 38.50 − 74.60 = −36.10 =
 *     collection_timing     − (in_GB 25.00 + in_US 10.00), not paid in October     −35.00
 *     collection_currency   in_EU paid the day it was invoiced                          0
 *     payment_adjustments   in_EU €35 − €36 at 1.10                                  −1.10
 * November:
 *   invoiced 0; recognized 14.55; collected in_GB £20 × 1.30 = 26.00
 *   invoiced − recognized = −14.55 = deferred −24.50 (October's invoices recognized Nov 1)
 *     + credit notes 3.45 + refunds 6.50
 *   collected − invoiced = 26.00 = collection_timing 25.00 (in_GB, invoiced in October)
 *     + collection_currency £20 × (1.30 − 1.25) = 1.00 + payment_adjustments 0
 */

let fxReport: IngestReport;

beforeAll(async () => {
	await open();
	const rates = fileURLToPath(new URL('../fixtures/finance/fx_rates.ndjson', import.meta.url));
	[fxReport] = (await ingest({ source: 'fx_rates', paths: [rates], format: 'ndjson', quiet: true, actor: 'finance-test' })) as [IngestReport];
	const file = join(dataDir, 'fx-revenue.ndjson');
	writeFileSync(file, fxRevenueEvents().map((e) => JSON.stringify(e)).join('\n') + '\n');
	const stripe = await ingestStripeEventsFile(file, {});
	expect(stripe.rows_rejected).toBe(0);
});

const OCT_30_TO_NOV_2 = { from: '2026-10-30', to: '2026-11-02' };

describe('fx_rates', () => {
	it('loads daily rates and dead-letters bad rows naming line and field', () => {
		expect(fxReport.rows_loaded).toBe(5);
		expect(fxReport.rows_rejected).toBe(3);
		expect(Object.fromEntries(fxReport.examples.map((e) => [e.line, e.field]))).toEqual({ 6: 'currency', 7: 'usd_per_unit', 8: 'date' });
	});
});

describe('revenue in EUR and GBP recognized in USD', () => {
	it('converts each service day at that day\'s rate, to the cent', async () => {
		const { response } = await runMetric({ metric: 'subscription_revenue', ...OCT_30_TO_NOV_2, grain: 'day' });
		expect(response.rows.map((r) => [r.period, r.value])).toEqual([
			['2026-10-30', 11],
			['2026-10-31', 23.7],
			['2026-11-01', 14.55]
		]);
	});

	it('values MRR at each day\'s rate', async () => {
		const { response } = await runMetric({ metric: 'mrr', ...OCT_30_TO_NOV_2, grain: 'day' });
		expect(response.rows.map((r) => [r.period, r.value])).toEqual([
			['2026-10-30', 33],
			['2026-10-31', 58.6],
			['2026-11-01', 60.5]
		]);
	});

	it('shows the original currency and amount beside USD in the rows behind', async () => {
		const rev = await runDrilldown({ metric: 'subscription_revenue', ...OCT_30_TO_NOV_2, grain: 'total' });
		const line = (user: string, component: string) => rev.rows.find((r) => r.user_id === user && r.component === component);
		expect(line('stripe:cus_EU', 'invoice_line')).toMatchObject({ currency: 'EUR', amount_original: 30, amount_usd: 33.7 });
		expect(line('stripe:cus_EU', 'credit_note')).toMatchObject({ currency: 'EUR', amount_original: -3, amount_usd: -3.45 });
		expect(line('stripe:cus_GB', 'invoice_line')).toMatchObject({ currency: 'GBP', amount_original: 20, amount_usd: 25.5 });
		expect(line('stripe:cus_GB', 'refund')).toMatchObject({ currency: 'GBP', amount_original: -5, amount_usd: -6.5 });
		const mrr = await runDrilldown({ metric: 'mrr', ...OCT_30_TO_NOV_2, grain: 'total' });
		expect(mrr.rows.map((r) => [r.customer_id, r.currency, r.mrr_original, r.mrr_usd])).toEqual([
			['cus_EU', 'EUR', 30, 34.5],
			['cus_GB', 'GBP', 20, 26]
		]);
	});

	it('a missing rate is an error naming the currency and the day, in the API too, never a silent zero', async () => {
		// No rate on Nov 2 while both subscriptions still run.
		const nov2 = { from: '2026-11-02', to: '2026-11-03' };
		const err = await runMetric({ metric: 'mrr', ...nov2, grain: 'total' }).catch((e) => e);
		expect(err).toBeInstanceOf(MissingFxRateError);
		expect(err.message).toMatch(/^fx_rates: no rate for EUR on 2026-11-02: .*missing: EUR on 2026-11-02, GBP on 2026-11-02\)/);
		const url = new URL(`http://x/api/v1/metrics/mrr?from=${nov2.from}&to=${nov2.to}&grain=total`);
		const api = await (metricGET({ params: { id: 'mrr' }, url, request: new Request(url) } as never) as Promise<Response>).catch((e) => e);
		expect(api.status).toBe(400);
		expect(String(api.body?.message)).toContain('no rate for EUR on 2026-11-02');
	});
});

describe('revenue reconciliation', () => {
	const months = { from: '2026-10-01', to: '2026-12-01', grain: 'month' as const };

	it('explains invoiced − recognized and collected − invoiced per month by causes that add up to the cent', async () => {
		const { response } = await runMetric({ metric: 'revenue_reconciliation', ...months });
		const [oct, nov] = response.rows;
		expect(oct).toMatchObject({
			period: '2026-10-01', value: 39.9, recognized_usd: 34.7, invoiced_usd: 74.6, collected_usd: 38.5,
			deferred_usd: 24.5, tax_usd: 6.6, unpaid_usd: 10, currency_usd: -1.2, credit_notes_usd: 0, refunds_usd: 0, unexplained_usd: 0,
			collection_timing_usd: -35, collection_currency_usd: 0, payment_adjustments_usd: -1.1
		});
		expect(nov).toMatchObject({
			period: '2026-11-01', value: -14.55, recognized_usd: 14.55, invoiced_usd: 0, collected_usd: 26,
			deferred_usd: -24.5, tax_usd: 0, unpaid_usd: 0, currency_usd: 0, credit_notes_usd: 3.45, refunds_usd: 6.5, unexplained_usd: 0,
			collection_timing_usd: 25, collection_currency_usd: 1, payment_adjustments_usd: 0
		});
		// Recognized is subscription_revenue, the same figure.
		const rev = await runMetric({ metric: 'subscription_revenue', ...months });
		expect(rev.response.rows.map((r) => r.value)).toEqual([34.7, 14.55]);
	});

	it('lists the invoices behind each cause; read by day, a month\'s parts add up to the month', async () => {
		const drill = await runDrilldown({ metric: 'revenue_reconciliation', ...months });
		const deferredOct = drill.rows.filter((r) => r.month === '2026-10-01' && r.item === 'deferred');
		expect(deferredOct.map((r) => [r.invoice_id, r.amount_usd])).toEqual([['in_GB', 13], ['in_EU', 11.5]]);
		// By day, October's causes sit on the days they arise (in_EU's on Oct 30, in_GB's on Oct 31, in_US's on Oct 15).
		const days = (await runMetric({ metric: 'revenue_reconciliation', from: '2026-10-01', to: '2026-11-01', grain: 'day' })).response.rows;
		expect(days.map((r) => r.period)).toEqual(['2026-10-15', '2026-10-30', '2026-10-31']);
		const sum = (k: string) => Math.round(days.reduce((s, r) => s + Number(r[k]), 0) * 100) / 100;
		expect([sum('value'), sum('deferred_usd'), sum('currency_usd'), sum('collection_timing_usd')]).toEqual([39.9, 24.5, -1.2, -35]);
	});

	it('answers the API as JSON and CSV with the same figures', async () => {
		const url = new URL('http://x/api/v1/metrics/revenue_reconciliation?from=2026-10-01&to=2026-12-01&grain=month&format=csv');
		const csv = await (await (metricGET({ params: { id: 'revenue_reconciliation' }, url, request: new Request(url) } as never) as Promise<Response>)).text();
		const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
		expect(rows.map((r) => [r.period, Number(r.value), Number(r.deferred_usd)])).toEqual([['2026-10-01', 39.9, 24.5], ['2026-11-01', -14.55, -24.5]]);
	});
});

describe('the CLI', () => {
	it(
		'answers revenue_reconciliation --json, and names a missing rate (exit 2)',
		async () => {
			await closeWarehouse();
			const run = promisify(execFile);
			const cli = (...args: string[]) => run('node', ['bin/loopmeter.js', 'metrics', ...args, '--json'], { env: { ...process.env, LOOPMETER_DATA: dataDir }, timeout: 120_000 });
			try {
				const out = JSON.parse((await cli('revenue_reconciliation', '--from', '2026-10-01', '--to', '2026-12-01', '--grain', 'month')).stdout);
				expect(out).toMatchObject({ metric: 'revenue_reconciliation', unit: 'usd', grain: 'month', group_by: [] });
				expect(out.rows.map((r: { value: number; tax_usd: number }) => [r.value, r.tax_usd])).toEqual([[39.9, 6.6], [-14.55, 0]]);
				const err = await cli('mrr', '--from', '2026-11-02', '--to', '2026-11-03', '--grain', 'total').catch((e) => e);
				expect(err.code).toBe(2);
				expect(err.stderr).toContain('loopmeter: fx_rates: no rate for EUR on 2026-11-02');
			} finally {
				await open();
			}
		},
		300_000
	);
});
