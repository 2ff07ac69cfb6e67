import { describe, expect, it } from 'vitest';
import { addDays, defaultPeriod, hrefWith, metricInput, parsePageState, previousPeriod, stateSearchParams } from '../../src/lib/url-state.js';

const defaults = { from: '2026-10-04', to: '2026-11-01' };

describe('page state in the URL', () => {
	it('defaults to the last 28 days ending on the last day with data', () => {
		expect(defaultPeriod('2026-10-31')).toEqual({ from: '2026-10-04', to: '2026-11-01' });
		expect(defaultPeriod('2026-10-31', 7)).toEqual({ from: '2026-10-25', to: '2026-11-01' });
	});

	it('reads period, grain, compare and repeated or comma-separated filters', () => {
		const sp = new URLSearchParams('from=2026-09-01&to=2026-10-01&grain=week&compare=1&cluster=a,b&cluster=c&plan=pro');
		const { state, problems } = parsePageState(sp, defaults);
		expect(problems).toEqual([]);
		expect(state).toEqual({ from: '2026-09-01', to: '2026-10-01', grain: 'week', compare: true, filters: { cluster: ['a', 'b', 'c'], plan: ['pro'] } });
	});

	it('reports a bad value naming the field and falls back to the default', () => {
		const bad = parsePageState(new URLSearchParams('from=2026-02-30&to=2026-03-01&grain=hour'), defaults);
		expect(bad.problems.some((p) => p.startsWith('from:'))).toBe(true);
		expect(bad.problems.some((p) => p.startsWith('grain:'))).toBe(true);
		expect(bad.state.from).toBe(defaults.from);
		expect(bad.state.grain).toBe('day');
		const reversed = parsePageState(new URLSearchParams('from=2026-10-10&to=2026-10-01'), defaults);
		expect(reversed.problems[0]).toMatch(/^to: must be after from/);
		expect(reversed.state).toMatchObject(defaults);
	});

	it('ignores parameters that are not dimensions', () => {
		const { state } = parsePageState(new URLSearchParams('user_id=x&what_if.gpu_price_factor=0.8'), defaults);
		expect(state.filters).toEqual({});
	});

	it('round-trips through the query string and keeps page-specific parameters', () => {
		const { state } = parsePageState(new URLSearchParams('from=2026-09-01&to=2026-10-01&compare=1&ownership=owned'), defaults);
		const sp = stateSearchParams(state, new URLSearchParams('what_if.gpu_price_factor=0.8&from=1999-01-01'));
		expect(sp.get('what_if.gpu_price_factor')).toBe('0.8');
		expect(parsePageState(sp, defaults).state).toEqual(state);
		const href = hrefWith(new URL('http://x/compute?from=2026-09-01&to=2026-10-01&ownership=owned'), state, { filters: {} });
		expect(href).toBe('/compute?from=2026-09-01&to=2026-10-01&compare=1');
	});

	it('compares with the period of the same length just before', () => {
		expect(previousPeriod({ from: '2026-10-04', to: '2026-11-01' })).toEqual({ from: '2026-09-06', to: '2026-10-04' });
		expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
	});

	it('builds metric requests from the page state', () => {
		const { state } = parsePageState(new URLSearchParams('cluster=a'), defaults);
		expect(metricInput(state, 'compute_spend', { grain: 'total', group_by: ['ownership'] })).toEqual({
			metric: 'compute_spend',
			from: defaults.from,
			to: defaults.to,
			grain: 'total',
			group_by: ['ownership'],
			filters: { cluster: ['a'] }
		});
	});
});
