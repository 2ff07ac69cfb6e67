import { describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { openLane, query, QueryAbandonedError } from '../../src/lib/server/warehouse/index.js';
import { asPerson } from '../../src/lib/server/http/person-slots.js';
import { metricPanel } from '../../src/lib/server/pages/panel.js';

const { open } = useTempWarehouse('loopmeter-query-cancel-');

/**
 * A query whose reader went away (the browser closed the page: request.signal)
 * must stop in the warehouse, not run to its end while every parameterised
 * query of the process waits behind it (chDB runs them one at a time).
 */
// Minutes of work on two cores: finishing it would outlast the test by far.
const ENDLESS = 'SELECT count() AS n FROM numbers(50000000000) WHERE sipHash64(number) % 7 = {r:UInt8}';

describe('abandoned queries', () => {
	it('an aborted embedded query leaves system.processes and the next parameterised query runs at once', async () => {
		await open();
		const lane = await openLane();
		try {
			const gone = new AbortController();
			const started = performance.now();
			const endless = query(ENDLESS, { tag: 'test:endless', params: { r: 3 }, signal: gone.signal });
			const settled = endless.then(
				() => 'finished',
				(e: unknown) => e
			);
			// Seen running from another connection (plain SQL, so it does not queue behind it).
			const running = async () =>
				(await lane.query<{ n: string }>(`SELECT toString(count()) AS n FROM system.processes WHERE query LIKE '%numbers(50000000000)%' AND query NOT LIKE '%system.processes%'`, { tag: 'test:processes' }))[0]!.n;
			for (let i = 0; i < 50 && (await running()) === '0'; i++) await new Promise((r) => setTimeout(r, 100));
			expect(await running()).toBe('1');

			gone.abort();
			expect(await settled).toBeInstanceOf(QueryAbandonedError);
			for (let i = 0; i < 50 && (await running()) !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
			expect(await running()).toBe('0');
			// The engine is free: a parameterised query (same process-wide queue) answers now.
			const [next] = await query<{ x: number }>('SELECT {x:UInt8} AS x', { tag: 'test:next', params: { x: 5 } });
			expect(next?.x).toBe(5);
			expect(performance.now() - started).toBeLessThan(20_000);
		} finally {
			await lane.close();
		}
	}, 60_000);

	it('a query whose caller has already gone is never started', async () => {
		await open();
		const err = await query(ENDLESS, { tag: 'test:gone', params: { r: 1 }, signal: AbortSignal.abort() }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(QueryAbandonedError);
	});

	it('a page panel follows its request: abandoned when its only viewer has gone, computed for a viewer still there', async () => {
		await open();
		const input = { metric: 'compute_spend', from: '2026-10-01', to: '2026-10-08', grain: 'total' } as const;
		const left = await asPerson('left-early', () => metricPanel(input), AbortSignal.abort());
		expect(left.ok).toBe(false);
		expect(left.ok ? '' : left.error).toMatch(/abort|abandoned/i);
		const stayed = await asPerson('still-here', () => metricPanel(input), new AbortController().signal);
		expect(stayed.ok, stayed.ok ? '' : stayed.error).toBe(true);
	});
});
