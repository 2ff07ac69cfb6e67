import { describe, expect, it } from 'vitest';
import { collectGarbageAbove } from '../../ingest/heap.js';

describe('collectGarbageAbove', () => {
	it('runs a full collection once the heap holds more than the limit, and not below it', () => {
		// ~80 MB of short-lived strings, as a committed CSV chunk leaves behind.
		let garbage: string[] | undefined = Array.from({ length: 400_000 }, (_, i) => `row ${i} `.repeat(20));
		garbage = undefined;
		const before = process.memoryUsage().heapUsed;
		collectGarbageAbove(Number.MAX_SAFE_INTEGER);
		// Above the limit nothing happened: the garbage is still counted.
		expect(process.memoryUsage().heapUsed).toBeGreaterThan(before - 20 * 2 ** 20);
		collectGarbageAbove(0);
		expect(process.memoryUsage().heapUsed).toBeLessThan(before - 40 * 2 ** 20);
		expect(garbage).toBeUndefined();
	});
});
