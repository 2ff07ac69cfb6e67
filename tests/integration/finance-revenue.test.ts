import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { dataDir, open } = useTempWarehouse('loopmeter-finance-revenue-');
import { ingest } from '../../ingest/index.js';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
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
