import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/lib/server/config.js';
import { handleStripeWebhook } from '../../ingest/stripe/webhook.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { POST } from '../../src/routes/api/v1/stripe/webhook/+server.js';
import { event, price, subscription, t } from '../fixtures/stripe/builders.js';
import { scenarioEvents } from '../fixtures/stripe/scenario.js';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-stripe-webhook-');
const WHSEC = 'whsec_webhookTestSecret0123456789';
const KEY = 'sk_test_webhookSecretKey0123456789';
process.env.STRIPE_WEBHOOK_SECRET = WHSEC;
process.env.STRIPE_SECRET_KEY = KEY;

beforeAll(async () => {
	await open();
});

const plus = price({ id: 'price_w_plus', product: 'prod_w', unit_amount: 2000, interval: 'month' });
const sub = (status: string, extra: Partial<Parameters<typeof subscription>[0]> = {}) =>
	subscription({ id: 'sub_W', customer: 'cus_W', price: plus, status, created: t('2026-11-01T00:00:00Z'), current_period_start: t('2026-11-01T00:00:00Z'), current_period_end: t('2026-12-01T00:00:00Z'), ...extra });

function signed(ev: Record<string, unknown>, opts: { secret?: string; timestamp?: number } = {}) {
	const payload = JSON.stringify(ev);
	return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WHSEC, timestamp: opts.timestamp }) };
}

async function attempts() {
	return query<{ event_id: string; status_code: number; outcome: string; message: string }>(
		'SELECT event_id, status_code, outcome, message FROM stripe_webhook_attempts ORDER BY received_at',
		{ tag: 'test' }
	);
}

async function subscriptionState() {
	return query<{ status: string; ended_at: string | null }>("SELECT status, ended_at FROM stripe_subscriptions FINAL WHERE subscription_id = 'sub_W'", { tag: 'test' });
}

describe('POST /api/v1/stripe/webhook', () => {
	const created = event('customer.subscription.created', t('2026-11-01T00:00:00Z'), sub('active'), 'evt_w_created');

	it('accepts a validly signed event and applies it (through the route)', async () => {
		const { payload, header } = signed(created);
		const request = new Request('http://localhost/api/v1/stripe/webhook', { method: 'POST', body: payload, headers: { 'stripe-signature': header, 'content-type': 'application/json' } });
		const res = await POST({ request, getClientAddress: () => '127.0.0.1' } as never);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ received: true, outcome: 'applied', event_id: 'evt_w_created' });
		expect(await subscriptionState()).toEqual([{ status: 'active', ended_at: null }]);
	});

	it('refuses a forged signature with 400, records the attempt, applies nothing, and never echoes a secret', async () => {
		const forged = event('customer.subscription.deleted', t('2026-11-02T00:00:00Z'), sub('canceled', { ended_at: t('2026-11-02T00:00:00Z') }), 'evt_w_forged');
		const { payload, header } = signed(forged, { secret: 'whsec_attackerGuess' });
		const res = await handleStripeWebhook(payload, header, { remote: '203.0.113.9' });
		expect(res.status).toBe(400);
		expect(res.body.outcome).toBe('bad_signature');
		expect(JSON.stringify(res.body)).not.toContain(WHSEC);
		const missing = await handleStripeWebhook(payload, null);
		expect(missing.status).toBe(400);
		expect(await subscriptionState()).toEqual([{ status: 'active', ended_at: null }]);
		const log = await attempts();
		expect(log.filter((a) => a.event_id === 'evt_w_forged').map((a) => [a.status_code, a.outcome])).toEqual([[400, 'bad_signature'], [400, 'bad_signature']]);
		expect(JSON.stringify(log)).not.toContain(WHSEC);
		expect(JSON.stringify(log)).not.toContain('canceled'); // the unverified payload is not stored
	});

	it('treats a replay inside the tolerance as a duplicate and a stale one as a bad request', async () => {
		const { payload, header } = signed(created);
		const again = await handleStripeWebhook(payload, header);
		expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
		// The same signed body captured 10 minutes ago: outside the SDK's default 300 s tolerance.
		const old = signed(created, { timestamp: Math.floor(Date.now() / 1000) - 600 });
		const stale = await handleStripeWebhook(old.payload, old.header);
		expect(stale.status).toBe(400);
		expect(stale.body.outcome).toBe('stale_signature');
		expect((await attempts()).at(-1)).toMatchObject({ event_id: 'evt_w_created', status_code: 400, outcome: 'stale_signature' });
	});

	it('converges on the newest state whatever order subscription updates arrive in', async () => {
		const updated = event('customer.subscription.updated', t('2026-11-10T00:00:00Z'), sub('active', { cancel_at_period_end: true, canceled_at: t('2026-11-10T00:00:00Z') }), 'evt_w_updated');
		const deleted = event('customer.subscription.deleted', t('2026-12-01T00:00:00Z'), sub('canceled', { canceled_at: t('2026-11-10T00:00:00Z'), ended_at: t('2026-12-01T00:00:00Z') }), 'evt_w_deleted');
		for (const ev of [deleted, updated]) {
			const { payload, header } = signed(ev);
			expect((await handleStripeWebhook(payload, header)).status).toBe(200);
		}
		expect(await subscriptionState()).toEqual([{ status: 'canceled', ended_at: '2026-12-01 00:00:00.000' }]);
	});

	it('acknowledges an event it cannot use (200) but dead-letters it with the field', async () => {
		const broken = event('invoice.paid', t('2026-11-03T00:00:00Z'), { object: 'invoice', id: 'in_broken', customer: 'cus_W', currency: 'usd', created: t('2026-11-03T00:00:00Z'), status: 'paid', lines: { data: [{ id: 'il_x', amount: 100, currency: 'usd' }] } }, 'evt_w_broken');
		const { payload, header } = signed(broken);
		const res = await handleStripeWebhook(payload, header);
		expect(res).toMatchObject({ status: 200, body: { outcome: 'rejected' } });
		const dead = await query<{ field: string; reason: string }>("SELECT field, reason FROM dead_letters FINAL WHERE file_hash = 'evt_w_broken'", { tag: 'test' });
		expect(dead).toEqual([{ field: 'data.object.lines.data.0.period', reason: expect.stringContaining('data.object.lines.data.0.period') }]);
	});

	it('answers 503 when no signing secret is configured', async () => {
		const { payload, header } = signed(created);
		const res = await handleStripeWebhook(payload, header, { config: { ...readConfig(), STRIPE_WEBHOOK_SECRET: undefined } });
		expect(res.status).toBe(503);
	});
});

describe('secrets', () => {
	const root = resolve(import.meta.dirname, '../..');
	let fake: FakeStripe;
	const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-stripe-cli-'));
	beforeAll(async () => {
		fake = await startFakeStripe({ events: scenarioEvents(), apiKey: KEY, echoKeyInErrors: true });
	});
	afterAll(async () => {
		await fake.close();
		rmSync(dataDir, { recursive: true, force: true });
	});
	// Asynchronous: the fake API lives in this process and must keep answering.
	const cli = (args: string[], env: Record<string, string>) =>
		new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
			const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), ...args], {
				cwd: root,
				env: { ...process.env, LOOPMETER_DATA: dataDir, CLICKHOUSE_URL: '', STRIPE_API_BASE: fake.url, ...env }
			});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (d) => (stdout += d));
			child.stderr.on('data', (d) => (stderr += d));
			child.on('close', (status) => done({ status, stdout, stderr }));
		});

	it('never appear in CLI output, even when the API echoes a rejected key', async () => {
		const wrong = 'sk_test_wrongKeyThatMustNotLeak42';
		const bad = await cli(['stripe', 'backfill'], { STRIPE_SECRET_KEY: wrong });
		expect(bad.status).toBe(1);
		expect(bad.stderr).toContain('Invalid API Key');
		expect(bad.stdout + bad.stderr).not.toContain(wrong);

		const good = await cli(['stripe', 'backfill'], { STRIPE_SECRET_KEY: KEY, STRIPE_WEBHOOK_SECRET: WHSEC });
		expect(good.stdout).toContain('Backfill finished');
		expect(good.stdout + good.stderr).not.toContain(KEY);
		expect(good.stdout + good.stderr).not.toContain(WHSEC);
	});

	it('are not echoed by configuration errors', async () => {
		const malformed = 'not-a-key-but-still-secret-7731';
		const r = await cli(['stripe', 'sync'], { STRIPE_SECRET_KEY: malformed });
		expect(r.status).not.toBe(0);
		expect(r.stderr).toContain('STRIPE_SECRET_KEY must be');
		expect(r.stdout + r.stderr).not.toContain(malformed);
	});
});
