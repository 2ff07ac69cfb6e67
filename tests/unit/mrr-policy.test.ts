import { getMetric } from '../../src/lib/server/metrics/registry.js';
import { describe, expect, it } from 'vitest';
import { metricRequest, requestFromSearchParams, searchParamsFromRequest } from '../../src/lib/contracts/metrics.js';
import { ConfigError, readConfig } from '../../src/lib/server/config.js';
import { buildMetricQuery } from '../../src/lib/server/metrics/build-query.js';
import { mrrParams, resolveMrrPolicy } from '../../src/lib/server/metrics/mrr-policy.js';

describe('MRR source and revenue policies in a request', () => {
	it('round-trips through the query string', () => {
		const sp = new URLSearchParams('from=2026-11-01&to=2026-12-01&mrr_source=invoices&mrr_discounts=gross&mrr_churn=request');
		const input = requestFromSearchParams('mrr', sp);
		expect(input.mrr).toEqual({ source: 'invoices', discounts: 'gross', churn: 'request' });
		expect(searchParamsFromRequest(input).toString()).toBe(sp.toString());
	});

	it('refuses an unknown choice, naming the knob', () => {
		const parsed = metricRequest.safeParse({ metric: 'mrr', from: '2026-11-01', to: '2026-12-01', mrr: { source: 'ledger' } });
		expect(parsed.success).toBe(false);
		expect(parsed.error!.issues[0]!.message).toBe('mrr_source must be one of: subscriptions, invoices');
	});

	it('takes unset knobs from the configuration, whose defaults are subscriptions, forever coupons, end of period', () => {
		expect(resolveMrrPolicy(undefined, {})).toEqual({ source: 'subscriptions', discounts: 'forever', churn: 'period_end' });
		expect(resolveMrrPolicy({ churn: 'request' }, { LOOPMETER_MRR_SOURCE: 'invoices', LOOPMETER_MRR_DISCOUNTS: 'gross' })).toEqual({ source: 'invoices', discounts: 'gross', churn: 'request' });
		expect(() => readConfig({ LOOPMETER_MRR_SOURCE: 'ledger' })).toThrow(ConfigError);
		expect(() => readConfig({ LOOPMETER_MRR_SOURCE: 'ledger' })).toThrow('LOOPMETER_MRR_SOURCE must be one of: subscriptions, invoices');
	});

	it('reaches the SQL only as typed parameters', () => {
		const req = metricRequest.parse({ metric: 'mrr_movements', from: '2026-11-01', to: '2026-12-01', group_by: ['movement'], mrr: { source: 'invoices', discounts: 'recurring', churn: 'request' } });
		const built = buildMetricQuery(req, getMetric);
		expect(built.params).toMatchObject({ mrr_source: 'invoices', mrr_discount_durations: ['forever', 'repeating'], mrr_churn_at_request: 1 });
		expect(built.sql).not.toMatch(/'invoices'\s*=|'recurring'/);
		expect(built.sql).toContain('{mrr_source:String}');
		expect(mrrParams({ discounts: 'gross' }).mrr_discount_durations).toEqual([]);
	});
});
