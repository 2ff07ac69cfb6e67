import { describe, expect, it } from 'vitest';
import { useOpenTempWarehouse } from '../helpers/warehouse.js';
import { command } from '../../src/lib/server/warehouse/index.js';
import { dataSpan } from '../../src/lib/server/ingest-runs/index.js';

useOpenTempWarehouse('loopmeter-data-span-');

describe('the default period follows the events, not reference data dated ahead', () => {
	it('exchange rates loaded for months to come do not move the last day with data', async () => {
		await command(`INSERT INTO ad_revenue (date, country, platform, ad_impressions, revenue_usd, ingest_run_id) VALUES ('2026-10-05', 'US', 'ios', 10, 1.5, 't'), ('2026-09-20', 'US', 'ios', 10, 1.5, 't')`, { tag: 'test' });
		await command(`INSERT INTO fx_rates (date, currency, usd_per_unit, ingest_run_id) VALUES ('2026-09-01', 'EUR', 1.1, 't'), ('2027-10-31', 'EUR', 1.1, 't')`, { tag: 'test' });
		expect(await dataSpan()).toEqual({ first: '2026-09-20', last: '2026-10-05' });
	});
});
