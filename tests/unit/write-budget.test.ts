import { describe, expect, it } from 'vitest';
import { WriteBudget } from '../../src/lib/server/http/write-budget.js';

describe('write budget for anonymous writes', () => {
	it('one row per key and window, reporting how many were left out', () => {
		const b = new WriteBudget({ perKeyMs: 60_000, globalMax: 100, globalWindowMs: 60_000 });
		expect(b.take('a', 0)).toEqual({ write: true, suppressed: 0 });
		for (let i = 1; i <= 9; i++) expect(b.take('a', i)).toEqual({ write: false });
		expect(b.take('b', 10)).toEqual({ write: true, suppressed: 0 });
		expect(b.take('a', 60_000)).toEqual({ write: true, suppressed: 9 });
	});
	it('at most globalMax rows a window, however many keys', () => {
		const b = new WriteBudget({ perKeyMs: 60_000, globalMax: 60, globalWindowMs: 60_000 });
		let written = 0;
		for (let i = 0; i < 10_000; i++) if (b.take(`addr-${i}`, i).write) written++;
		expect(written).toBe(60 * Math.ceil(10_000 / 60_000));
	});
	it('keeps its memory bounded under a flood of distinct keys', () => {
		const b = new WriteBudget({ perKeyMs: 1, globalMax: 1e9, globalWindowMs: 1, maxKeys: 100 });
		for (let i = 0; i < 100_000; i++) b.take(`k${i}`, i * 2);
		expect(b.take('k99999', 1e6)).toEqual({ write: true, suppressed: 0 });
	});
});
