import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/lib/server/warehouse/index.js', () => ({ query: async () => [{ v: 'v1' }], sideQuery: async () => [{ v: 'v1' }] }));
const { PerDataVersionCache } = await import('../../src/lib/server/cache/per-data-version.js');

/**
 * A panel's result is shared by every page waiting for it. A page whose
 * browser went away stops waiting; the query itself is aborted only once
 * nobody waits for it any more (metrics/panel.ts passes each request's signal).
 */
function cache() {
	return new PerDataVersionCache<string>({ version: Object.assign(async () => 'v1', { forget: () => undefined }), ttlMs: 60_000, maxEntries: 10 });
}

/** A computation that finishes when told to, and reports whether it was aborted. */
function pending() {
	let finish!: (v: string) => void;
	let signal: AbortSignal | undefined;
	let calls = 0;
	const compute = (s: AbortSignal) => {
		calls++;
		signal = s;
		return new Promise<string>((resolve) => (finish = resolve));
	};
	return { compute, finish: (v: string) => finish(v), aborted: () => signal?.aborted === true, calls: () => calls };
}

/** Ann and Bob both waiting for key 'k', each with a signal of their own, while one computation runs. */
async function annAndBobWaiting() {
	const c = cache();
	const work = pending();
	const ann = new AbortController();
	const bob = new AbortController();
	const forAnn = c.get('k', work.compute, undefined, ann.signal);
	const forBob = c.get('k', work.compute, undefined, bob.signal);
	await Promise.resolve();
	return { c, work, ann, bob, forAnn, forBob };
}

describe('shared results and callers who leave', () => {
	it('one caller leaving does not abort what another waits for', async () => {
		const { work, ann, forAnn, forBob } = await annAndBobWaiting();
		ann.abort();
		await expect(forAnn).rejects.toThrow();
		expect(work.aborted()).toBe(false);
		work.finish('42');
		await expect(forBob).resolves.toBe('42');
		expect(work.calls()).toBe(1);
	});

	it('the computation is aborted and forgotten once every caller has left', async () => {
		const { c, work, ann, bob, forAnn, forBob } = await annAndBobWaiting();
		ann.abort();
		bob.abort();
		await expect(forAnn).rejects.toThrow();
		await expect(forBob).rejects.toThrow();
		expect(work.aborted()).toBe(true);
		// The next visitor starts it again rather than joining an aborted computation.
		const again = pending();
		const next = c.get('k', again.compute);
		await Promise.resolve();
		again.finish('7');
		await expect(next).resolves.toBe('7');
		expect(again.calls()).toBe(1);
	});

	it('a caller without a signal (start-up warm-up, CLI) keeps the computation going', async () => {
		const c = cache();
		const work = pending();
		const ann = new AbortController();
		const forAnn = c.get('k', work.compute, undefined, ann.signal);
		const pinned = c.get('k', work.compute);
		await Promise.resolve();
		ann.abort();
		await expect(forAnn).rejects.toThrow();
		expect(work.aborted()).toBe(false);
		work.finish('1');
		await expect(pinned).resolves.toBe('1');
	});

	it('a caller who has already left is answered at once and starts nothing new if it was alone', async () => {
		const c = cache();
		const work = pending();
		const gone = AbortSignal.abort();
		await expect(c.get('k', work.compute, undefined, gone)).rejects.toThrow();
		expect(work.aborted()).toBe(true);
		expect(c.stats().entries).toBe(0);
	});
});
