import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { applyEvent } from '../../ingest/stripe/apply.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { event, price, subscription, t } from '../fixtures/stripe/builders.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

/**
 * Webhook deliveries are chained per event id within one process
 * (ingest/stripe/webhook.ts). Two app processes against one ClickHouse server
 * can each apply the same event at the same moment. That must not change a
 * figure: every table an event writes is a ReplacingMergeTree keyed by the
 * object (and its version), so the second apply writes the same keys and
 * collapses into the first. Simulated here by applying one event twice at once
 * without the per-process chain, as two processes would.
 */
const { open } = useTempWarehouse('loopmeter-stripe-processes-');

beforeAll(async () => {
	await open();
});

const plus = price({ id: 'price_p_plus', product: 'prod_p', unit_amount: 2000, interval: 'month' });
const sub = subscription({ id: 'sub_P', customer: 'cus_P', price: plus, status: 'active', created: t('2026-11-01T00:00:00Z'), current_period_start: t('2026-11-01T00:00:00Z'), current_period_end: t('2026-12-01T00:00:00Z') });

const count = async (sql: string) => Number((await query<{ n: string }>(sql, { tag: 'test' }))[0]!.n);

describe('one event applied by two processes at once', () => {
	it('leaves one subscription, one version, one ledger row and the MRR of one $20/month plan', async () => {
		const created = event('customer.subscription.created', t('2026-11-01T00:00:00Z'), sub, 'evt_two_processes');
		const both = await Promise.all(
			[0, 1].map(() => applyEvent(created, { via: 'webhook', runId: `stripe-webhook-${randomUUID()}`, file: 'webhook', fileHash: created.id as string }))
		);
		// Without a shared claim both may report "applied" (measured: both did): the race is real, its effect is not.
		expect(both.every((o) => o.kind === 'applied' || o.kind === 'duplicate')).toBe(true);
		expect(await count("SELECT toString(count()) AS n FROM stripe_events FINAL WHERE event_id = 'evt_two_processes'")).toBe(1);
		expect(await count("SELECT toString(count()) AS n FROM stripe_subscriptions FINAL WHERE subscription_id = 'sub_P'")).toBe(1);
		expect(await count("SELECT toString(count()) AS n FROM stripe_subscription_versions FINAL WHERE subscription_id = 'sub_P'")).toBe(1);
		const { response } = await runMetric({ metric: 'mrr', from: '2026-11-01', to: '2026-11-08', grain: 'total' });
		// One subscription at 2000 cents a month: $20.00 of MRR.
		expect(response.rows.map((r) => r.value)).toEqual([20]);
	});
});
