import { beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryTimeoutError } from '../../src/lib/server/warehouse/errors.js';

// The warehouse and the uncached runner are replaced: what is under test is
// which outcomes the page-level cache keeps for the same data version.
const runs = vi.hoisted(() => ({ count: 0, next: [] as (() => Promise<unknown>)[] }));
vi.mock('../../src/lib/server/warehouse/index.js', async () => ({
	...(await vi.importActual<object>('../../src/lib/server/warehouse/errors.js')),
	query: async () => [{ v: 'data-version-1' }],
	sideQuery: async () => [{ v: 'data-version-1' }]
}));
vi.mock('../../src/lib/server/metrics/run.js', async () => {
	const actual = await vi.importActual<typeof import('../../src/lib/server/metrics/run.js')>('../../src/lib/server/metrics/run.js');
	return {
		...actual,
		runMetric: () => {
			runs.count++;
			return runs.next.shift()!();
		}
	};
});

const { metricPanel } = await import('../../src/lib/server/pages/panel.js');
const { clearPageCache } = await import('../../src/lib/server/pages/page-cache.js');
const input = { metric: 'watch_hours' as const, from: '2026-10-01', to: '2026-10-08', grain: 'day' as const };

describe('panel cache', () => {
	beforeEach(() => {
		clearPageCache();
		runs.count = 0;
	});

	it('keeps a timed-out panel for the data version: later visitors get the error at once', async () => {
		runs.next.push(() => Promise.reject(new QueryTimeoutError('metric:watch_hours', 30_000)));
		const first = await metricPanel(input);
		const second = await metricPanel(input);
		expect(first.ok).toBe(false);
		expect(second.ok).toBe(false);
		expect(!second.ok && second.error).toMatch(/took longer than 30 s/);
		expect(runs.count).toBe(1);
	});

	it('retries a panel that failed for another reason', async () => {
		runs.next.push(() => Promise.reject(new Error('warehouse busy')));
		runs.next.push(() => Promise.reject(new Error('warehouse busy again')));
		await metricPanel(input);
		const second = await metricPanel(input);
		expect(!second.ok && second.error).toMatch(/again/);
		expect(runs.count).toBe(2);
	});
});
