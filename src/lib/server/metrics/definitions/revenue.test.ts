import { describe, it } from 'vitest';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { expectFigures, metricOverRows, type HandRelation } from '../../../../../tests/helpers/definition-pin.js';

/*
 * MRR from the subscription source: each customer's level is the running sum
 * of its changes, held until the next one, and a period reports the level on
 * its last day. From the subscription source's changes written by hand (how
 * Stripe subscription states become changes is pinned case by case in
 * tests/integration/stripe-mrr-cases.test.ts):
 *   c1 pro +20 on 09-15 (before the period), +5 on 11-10;
 *   c2 basic +10 on 10-05, −10 on 11-15 (churn);  c3 pro +30 on 11-20.
 *   October (last day 10-31): c1 20 + c2 10 = 30, 2 subscribers.
 *   November (11-30): c1 25 + c3 30 = 55, 2 subscribers; basic has no level left.
 */
useOpenTempWarehouse('loopmeter-revenue-pin-');

const CHANGES: HandRelation = {
	file: 'mrr_changes_subscriptions',
	columns: 'customer_id String, plan String, day Date, delta Decimal(38, 9)',
	rows: [
		['c1', 'pro', '2026-09-15', 20],
		['c1', 'pro', '2026-11-10', 5],
		['c2', 'basic', '2026-10-05', 10],
		['c2', 'basic', '2026-11-15', -10],
		['c3', 'pro', '2026-11-20', 30]
	]
};
/** Every customer bills in USD: no fx_rates needed (a customer in another currency without a rate is an error). */
const CURRENCIES: HandRelation = {
	file: 'customer_currency',
	columns: 'customer_id String, currency String',
	rows: [
		['c1', 'usd'],
		['c2', 'usd'],
		['c3', 'usd']
	]
};
const PERIOD = { from: '2026-10-01', to: '2026-12-01' };

describe('MRR (subscription source)', () => {
	it('the level on the last day of each month, and who pays it', async () => {
		expectFigures(await metricOverRows({ metric: 'mrr', ...PERIOD, grain: 'month' }, [CHANGES, CURRENCIES]), [
			{ period: '2026-10-01', value: 30, subscribers: 2 },
			{ period: '2026-11-01', value: 55, subscribers: 2 }
		]);
	});

	it('by plan; the whole period reports its last day', async () => {
		expectFigures(await metricOverRows({ metric: 'mrr', ...PERIOD, grain: 'month', group_by: ['plan'] }, [CHANGES, CURRENCIES]), [
			{ period: '2026-10-01', plan: 'basic', value: 10 },
			{ period: '2026-10-01', plan: 'pro', value: 20 },
			{ period: '2026-11-01', plan: 'pro', value: 55 }
		]);
		expectFigures(await metricOverRows({ metric: 'mrr', ...PERIOD, grain: 'total' }, [CHANGES, CURRENCIES]), [{ value: 55, subscribers: 2 }]);
	});

	it('asked of the invoices, the subscriptions\' changes are not read', async () => {
		expectFigures(await metricOverRows({ metric: 'mrr', ...PERIOD, grain: 'month', mrr: { source: 'invoices' } }, [CHANGES, CURRENCIES]), []);
	});
});
