import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/lib/server/config.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { backfill } from '../../ingest/stripe/backfill.js';
import { stripeClient, StripeSetupError } from '../../ingest/stripe/client.js';
import { readCursor, writeCursor } from '../../ingest/stripe/cursors.js';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import { typedTables } from '../../ingest/stripe/rows.js';
import { syncEvents } from '../../ingest/stripe/sync.js';
import { handleStripeWebhook } from '../../ingest/stripe/webhook.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { scenarioEvents, scenarioFxRates, T } from '../fixtures/stripe/scenario.js';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { shuffled } from '../helpers/shuffled.js';

// Backfill, sync, webhook and event files are four doors into the same tables:
// for one Stripe history they must leave identical typed tables, identical
// derived views and identical revenue numbers.
const { dataDir, open } = useTempWarehouse('loopmeter-stripe-channels-');
const KEY = 'sk_test_channels0123456789';
const WHSEC = 'whsec_channels0123456789';
process.env.STRIPE_SECRET_KEY = KEY;
process.env.STRIPE_WEBHOOK_SECRET = WHSEC;

const history = scenarioEvents();
let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
	const wh = await open();
	// cus_E is billed in EUR: its revenue and MRR need the day's rate.
	await wh.client.insert({ table: 'fx_rates', format: 'JSONEachRow', values: scenarioFxRates() });
	fake = await startFakeStripe({ events: history, apiKey: KEY, inlineLines: 1 });
	stripe = stripeClient(readConfig(), fake.endpoint);
});
afterAll(async () => fake?.close());

const STRIPE_TABLES = [...typedTables, 'stripe_objects', 'stripe_events', 'stripe_cursors', 'stripe_webhook_attempts', 'dead_letters'];

async function reset() {
	for (const t of STRIPE_TABLES) await command(`TRUNCATE TABLE ${t}`, { tag: 'test:reset' });
}

/** Everything a reader sees, without the bookkeeping columns that say how a row arrived. */
async function snapshot() {
	const out: Record<string, unknown> = {};
	// The history of subscription states may hold one more row after a backfill (the
	// state as listed, identical to the last event's); what it means is compared below as MRR by day.
	for (const t of typedTables.filter((t) => t !== 'stripe_subscription_versions')) {
		out[t] = await query(`SELECT * EXCEPT (version, via, ingested_at) FROM ${t} FINAL ORDER BY ALL`, { tag: 'test:snapshot' });
	}
	out.user_plan_intervals = await query('SELECT * FROM user_plan_intervals ORDER BY ALL', { tag: 'test:snapshot' });
	const period = { from: '2026-10-01', to: '2026-12-01', grain: 'month' as const };
	out.revenue = (await runMetric({ metric: 'subscription_revenue', ...period, group_by: ['plan'] })).response.rows;
	out.movements = (await runMetric({ metric: 'mrr_movements', ...period, group_by: ['movement'] })).response.rows;
	out.mrr = (await runMetric({ metric: 'mrr', ...period, grain: 'day', group_by: ['plan'] })).response.rows;
	return out;
}

describe('the four ways in', () => {
	let fromFile: Record<string, unknown>;

	it('event file: loads the history', async () => {
		const file = join(dataDir, 'history.ndjson');
		writeFileSync(file, history.map((e) => JSON.stringify(e)).join('\n') + '\n');
		const report = await ingestStripeEventsFile(file, {});
		expect(report.rows_loaded).toBe(history.length); // cus_E's EUR objects too: kept in EUR, converted when read
		fromFile = await snapshot();
		// A1, A2 (two proration lines), A3, B1, C1, D1, D2, E1.
		expect((fromFile.stripe_invoice_lines as unknown[]).length).toBe(9);
	});

	it('backfill over several pages gives the same tables', async () => {
		await reset();
		fake.requests.length = 0;
		const result = await backfill(stripe, { pageSize: 2 });
		// 4 customers (+ E) at 2 per page: pages continue with starting_after.
		const customerPages = fake.requests.filter((r) => r.path === '/v1/customers');
		expect(customerPages.length).toBe(3);
		expect(customerPages[1]!.query.starting_after).toBeTruthy();
		expect(fake.requests.some((r) => r.path === '/v1/subscriptions' && r.query.status === 'all')).toBe(true);
		// Subscription history: the events Stripe still keeps, of the subscription and discount types only.
		expect(fake.requests.some((r) => r.path === '/v1/events' && Object.values(r.query).includes('customer.subscription.*'))).toBe(true);
		// Invoices carried 1 line inline (inlineLines: 1): A2's second line was fetched.
		expect(fake.requests.some((r) => r.path === '/v1/invoices/in_A2/lines')).toBe(true);
		expect(result.rejected).toEqual([]);
		expect(await snapshot()).toEqual(fromFile);
		expect(await readCursor('backfill:refunds')).toBe('done');
	});

	it('a backfill run again reads nothing already done, and resumes after the last stored page', async () => {
		fake.requests.length = 0;
		await backfill(stripe, { pageSize: 2 });
		expect(fake.requests.filter((r) => r.path !== '/v1/events')).toEqual([]);

		await reset();
		// Kill the run after the first page of customers.
		await expect(
			backfill(stripe, {
				pageSize: 2,
				onProgress: (p) => {
					if (p.resource === 'customers' && p.stored === 2) throw new Error('killed');
				}
			})
		).rejects.toThrow('killed');
		const cursor = await readCursor('backfill:customers');
		expect(cursor).toMatch(/^cus_/);
		fake.requests.length = 0;
		await backfill(stripe, { pageSize: 2 });
		expect(fake.requests.find((r) => r.path === '/v1/customers')!.query.starting_after).toBe(cursor);
		expect(fake.requests.some((r) => r.path === '/v1/products')).toBe(false);
		expect(await snapshot()).toEqual(fromFile);
	});

	it('sync from /v1/events gives the same tables, and a second sync applies nothing', async () => {
		await reset();
		const first = await syncEvents(stripe, { pageSize: 5 });
		expect(first.applied).toBe(history.length);
		expect(first.rejected).toHaveLength(0);
		expect(await snapshot()).toEqual(fromFile);
		const again = await syncEvents(stripe, { pageSize: 5 });
		expect(again.applied + again.duplicate).toBe(0);
	});

	it('signed webhooks delivered in a shuffled order, some twice, give the same tables', async () => {
		await reset();
		const again = history.slice(0, 8).filter((e) => !/eur/.test(JSON.stringify((e.data as { object: unknown }).object)));
		const deliveries = shuffled([...history, ...again], 7);
		const outcomes: Record<string, number> = {};
		for (const ev of deliveries) {
			const payload = JSON.stringify(ev);
			const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC });
			const res = await handleStripeWebhook(payload, header);
			expect(res.status).toBe(200);
			outcomes[res.body.outcome] = (outcomes[res.body.outcome] ?? 0) + 1;
		}
		expect(outcomes).toEqual({ applied: history.length, duplicate: again.length });
		expect(await snapshot()).toEqual(fromFile);
	});

	it('sync after a backfill applies only what happened since', async () => {
		await reset();
		const before = history.filter((e) => Number(e.created) < T.nov1);
		const after = history.filter((e) => Number(e.created) >= T.nov1);
		const early = await startFakeStripe({ events: before, apiKey: KEY });
		try {
			const client = stripeClient(readConfig(), early.endpoint);
			await backfill(client, {});
			const cursor = await readCursor('events');
			early.push(after);
			early.requests.length = 0;
			const r = await syncEvents(client, { pageSize: 2 });
			expect(early.requests[0]!.query.ending_before).toBe(cursor);
			expect(r.applied).toBe(after.length);
			expect(r.duplicate).toBe(0);
		} finally {
			await early.close();
		}
		expect(await snapshot()).toEqual(fromFile);
	});

	it('sync with a cursor Stripe no longer keeps says to backfill again, instead of skipping changes', async () => {
		await writeCursor('events', 'evt_older_than_30_days');
		const err = await syncEvents(stripe).catch((e) => e);
		expect(err).toBeInstanceOf(StripeSetupError);
		expect(err.message).toContain('backfill --restart');
	});
});
