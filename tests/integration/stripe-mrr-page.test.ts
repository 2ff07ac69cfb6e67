import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import { mrrCaseEvents } from '../fixtures/stripe/mrr-cases.js';
import { signedIn, startDevServer, type TestServer } from '../helpers/auth.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// The Revenue page states how MRR is counted and switches it from the URL.
const { dataDir, open } = useTempWarehouse('loopmeter-stripe-mrr-page-');
let server: TestServer;
let cookie: string;

beforeAll(async () => {
	await open();
	const file = join(dataDir, 'cases.ndjson');
	writeFileSync(file, mrrCaseEvents().map((e) => JSON.stringify(e)).join('\n') + '\n');
	await ingestStripeEventsFile(file, {});
	server = await startDevServer();
	cookie = await signedIn(server.url, 'finance');
}, 300_000);
afterAll(async () => server?.close());

const page = async (qs: string) => {
	const res = await fetch(`${server.url}/revenue?from=2026-11-01&to=2026-12-01${qs}`, { headers: { cookie } });
	expect(res.status).toBe(200);
	return res.text();
};

describe('Revenue page: MRR source and policies', () => {
	it('states the defaults and offers every choice', async () => {
		const html = await page('');
		expect(html).toContain('state each day');
		expect(html).toContain('net of forever coupons only (Stripe default)');
		expect(html).toContain('churn when the subscription ends (end of the paid period)');
		for (const name of ['mrr_source', 'mrr_discounts', 'mrr_churn']) expect(html).toContain(`name="${name}"`);
	}, 120_000);

	it('follows the URL, and says what a bad choice was', async () => {
		const html = await page('&mrr_source=invoices');
		expect(html).toContain('from the recurring lines of paid and open invoices over the period they cover');
		// Carried into the MRR panels' API links (streamed in the same response), not into recognized revenue's.
		expect(html).toMatch(/\/api\/v1\/metrics\/mrr_movements\?[^"]*mrr_source=invoices/);
		expect(html).not.toMatch(/\/api\/v1\/metrics\/subscription_revenue\?[^"]*mrr_source/);
		const bad = await page('&mrr_discounts=half');
		expect(bad).toContain('mrr_discounts must be one of: forever, recurring, gross; the defaults are shown');
	}, 120_000);
});
