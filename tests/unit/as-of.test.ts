import { describe, expect, it } from 'vitest';
import { asOf, asOfParam } from '../../src/lib/contracts/as-of.js';
import { metricRequest, requestFromSearchParams, searchParamsFromRequest } from '../../src/lib/contracts/metrics.js';

describe('as_of', () => {
	it('reads a bare date as the end of that UTC day, a time without zone as UTC, and keeps offsets', () => {
		expect(asOf.parse('2026-11-05')).toBe('2026-11-05T23:59:59.999Z');
		expect(asOf.parse('2026-11-05T14:30')).toBe('2026-11-05T14:30:00.000Z');
		expect(asOf.parse('2026-11-05 14:30:00.25')).toBe('2026-11-05T14:30:00.250Z');
		expect(asOf.parse('2026-11-05T14:30:00+02:00')).toBe('2026-11-05T12:30:00.000Z');
	});

	it('refuses what is not a moment, naming the expected form', () => {
		for (const bad of ['yesterday', '2026-02-30', '2026-11-05T25:00:00Z', '1730800000']) {
			const r = asOf.safeParse(bad);
			expect(r.success, bad).toBe(false);
			expect(r.error!.issues[0]!.message).toMatch(/must be a date like 2026-11-05/);
		}
	});

	it('reaches ClickHouse as DateTime64 text and survives the query string', () => {
		expect(asOfParam('2026-11-05T23:59:59.999Z')).toBe('2026-11-05 23:59:59.999');
		const input = requestFromSearchParams('compute_spend', new URLSearchParams('from=2026-10-01&to=2026-11-01&as_of=2026-11-05'));
		expect(metricRequest.parse(input).as_of).toBe('2026-11-05T23:59:59.999Z');
		expect(searchParamsFromRequest(input).get('as_of')).toBe('2026-11-05');
	});
});
