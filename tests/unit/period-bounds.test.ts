import { describe, expect, it } from 'vitest';
import { boundedPeriod, MAX_PERIOD_DAYS } from '../../src/lib/server/pages/period-bounds.js';

const span = { first: '2026-05-01', last: '2026-10-31', today: '2026-12-07' };

describe('periods a request may compute', () => {
	it('cuts 1980–2149 to the data: first day with data to the day after today', () => {
		expect(boundedPeriod({ from: '1980-01-01', to: '2149-01-01', grain: 'day' as const }, span)).toMatchObject({ from: '2026-05-01', to: '2026-12-08' });
	});
	it('keeps a period inside the data as it is (the same object)', () => {
		const p = { from: '2026-10-01', to: '2026-10-08' };
		expect(boundedPeriod(p, span)).toBe(p);
	});
	it('at most MAX_PERIOD_DAYS of the grain, keeping the end, when the data says nothing', () => {
		const empty = { first: null, last: null, today: '2026-12-07' };
		const out = boundedPeriod({ from: '1980-01-01', to: '2026-01-01', grain: 'day' as const }, empty);
		// 5 × 366 = 1 830 days before 2026-01-01.
		expect(out).toEqual({ from: '2020-12-28', to: '2026-01-01', grain: 'day' });
		expect((Date.parse(out.to) - Date.parse(out.from)) / 86_400_000).toBeLessThanOrEqual(MAX_PERIOD_DAYS.day);
		expect(boundedPeriod({ from: '1980-01-01', to: '2026-01-01', grain: 'month' as const }, empty).from).toBe('1980-01-01');
	});
	it('leaves malformed or empty periods to the request validation', () => {
		const bad = { from: '1980-13-45x', to: '2149-01-01' };
		expect(boundedPeriod(bad, span)).toBe(bad);
		const inverted = { from: '2026-10-08', to: '2026-10-01' };
		expect(boundedPeriod(inverted, span)).toBe(inverted);
	});
});
