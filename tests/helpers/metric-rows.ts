import { expect } from 'vitest';
import type { MetricRow } from '../../src/lib/contracts/metrics.js';

/**
 * Two metric responses carry the same rows, in any order: same labels, same
 * columns, equal numbers. Float sums (squares for the intervals) may add up in
 * another order through a rollup than through the raw rows: 1e-9 relative.
 */
export function expectSameRows(actual: MetricRow[], expected: MetricRow[], what: string): void {
	const key = (r: MetricRow) => JSON.stringify(Object.entries(r).filter(([, v]) => typeof v === 'string'));
	const sort = (rows: MetricRow[]) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
	const a = sort(actual);
	const e = sort(expected);
	expect(a.length, `${what}: row count`).toBe(e.length);
	e.forEach((row, i) => {
		expect(Object.keys(a[i]!).sort(), `${what} row ${i} columns`).toEqual(Object.keys(row).sort());
		for (const [k, v] of Object.entries(row)) {
			const got = a[i]![k];
			if (typeof v === 'number' && typeof got === 'number') expect(Math.abs(got - v), `${what} row ${i} ${k}: ${got} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
			else expect(got, `${what} row ${i} ${k}`).toEqual(v);
		}
	});
}
