import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The warehouse is replaced: a version read answers whatever `warehouse.version` holds.
const warehouse = vi.hoisted(() => ({ version: 'v1', reads: 0, fail: false }));
vi.mock('../../src/lib/server/warehouse/index.js', () => {
	const read = async () => {
		warehouse.reads++;
		if (warehouse.fail) throw new Error('warehouse unavailable');
		return [{ v: warehouse.version }];
	};
	// Version reads go to the side connection (sideQuery); page tables' own queries to query.
	return { query: read, sideQuery: read };
});

const { PerDataVersionCache, versionFrom } = await import('../../src/lib/server/cache/per-data-version.js');
const { cachedPageTable } = await import('../../src/lib/server/pages/page-cache.js');

/** A version that is whatever the test says, read afresh every time. */
function manualVersion(initial = 'v1') {
	let v = initial;
	const fn = Object.assign(async () => v, { forget: () => undefined });
	return { fn, set: (next: string) => (v = next) };
}

function counter<T>(make: (n: number) => T) {
	let n = 0;
	return { compute: async () => make(++n), calls: () => n };
}

describe('PerDataVersionCache', () => {
	afterEach(() => vi.useRealTimers());

	it('answers a repeated key from memory until the data version changes', async () => {
		const version = manualVersion();
		const cache = new PerDataVersionCache<number>({ version: version.fn, ttlMs: 60_000, maxEntries: 10 });
		const c = counter((n) => n);
		expect(await cache.get('a', c.compute)).toBe(1);
		expect(await cache.get('a', c.compute)).toBe(1);
		expect(c.calls()).toBe(1);
		version.set('v2');
		expect(await cache.get('a', c.compute)).toBe(2);
		expect(c.calls()).toBe(2);
	});

	it('shares one computation between concurrent callers', async () => {
		const cache = new PerDataVersionCache<number>({ version: manualVersion().fn, ttlMs: 60_000, maxEntries: 10 });
		const c = counter((n) => n);
		const all = await Promise.all([cache.get('a', c.compute), cache.get('a', c.compute), cache.get('a', c.compute)]);
		expect(all).toEqual([1, 1, 1]);
		expect(c.calls()).toBe(1);
	});

	it('recomputes after the TTL on the same version', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const cache = new PerDataVersionCache<number>({ version: manualVersion().fn, ttlMs: 1_000, maxEntries: 10 });
		const c = counter((n) => n);
		await cache.get('a', c.compute);
		vi.advanceTimersByTime(999);
		expect(await cache.get('a', c.compute)).toBe(1);
		vi.advanceTimersByTime(1);
		expect(await cache.get('a', c.compute)).toBe(2);
	});

	it('drops the oldest answers beyond maxEntries', async () => {
		const cache = new PerDataVersionCache<string>({ version: manualVersion().fn, ttlMs: 60_000, maxEntries: 2 });
		const c = counter((n) => `#${n}`);
		await cache.get('a', c.compute);
		await cache.get('b', c.compute);
		await cache.get('c', c.compute);
		expect(cache.stats().entries).toBe(2);
		expect(await cache.get('c', c.compute)).toBe('#3');
		expect(await cache.get('a', c.compute)).toBe('#4');
	});

	it('drops the oldest answers beyond maxBytes', async () => {
		// Each answer is 400 bytes by sizeOf; 1000 bytes hold two of them.
		const cache = new PerDataVersionCache<string>({ version: manualVersion().fn, ttlMs: 60_000, maxEntries: 100, maxBytes: 1_000, sizeOf: () => 400 });
		const c = counter((n) => `#${n}`);
		await cache.get('a', c.compute);
		await cache.get('b', c.compute);
		expect(cache.stats()).toEqual({ entries: 2, bytes: 800 });
		await cache.get('c', c.compute);
		await Promise.resolve();
		expect(cache.stats()).toEqual({ entries: 2, bytes: 800 });
		expect(await cache.get('b', c.compute)).toBe('#2');
		expect(await cache.get('a', c.compute)).toBe('#4');
	});

	it('forgets a failure unless keepFailure says it would fail again', async () => {
		class Stopped extends Error {}
		const cache = new PerDataVersionCache<number>({ version: manualVersion().fn, ttlMs: 60_000, maxEntries: 10, keepFailure: (e) => e instanceof Stopped });
		let calls = 0;
		const failWith = (E: new (m: string) => Error) => async () => {
			calls++;
			throw new E('no');
		};
		await expect(cache.get('busy', failWith(Error))).rejects.toThrow();
		await expect(cache.get('busy', failWith(Error))).rejects.toThrow();
		expect(calls).toBe(2);
		await expect(cache.get('slow', failWith(Stopped))).rejects.toBeInstanceOf(Stopped);
		await expect(cache.get('slow', failWith(Stopped))).rejects.toBeInstanceOf(Stopped);
		expect(calls).toBe(3);
	});
});

describe('versionFrom', () => {
	beforeEach(() => {
		warehouse.version = 'v1';
		warehouse.reads = 0;
		warehouse.fail = false;
	});

	it('remembers the version for its TTL; forget() reads it again at once', async () => {
		const version = versionFrom('SELECT 1 AS v', { tag: 'test', ttlMs: 60_000 });
		expect(await version()).toBe('v1');
		warehouse.version = 'v2';
		expect(await version()).toBe('v1');
		expect(warehouse.reads).toBe(1);
		version.forget();
		expect(await version()).toBe('v2');
		expect(warehouse.reads).toBe(2);
	});

	it('a failed read never matches an earlier version, so nothing is served from the cache', async () => {
		const version = versionFrom('SELECT 1 AS v', { tag: 'test', ttlMs: 0 });
		warehouse.fail = true;
		const a = await version();
		const b = await version();
		expect(a).not.toBe(b);
		expect(a).not.toBe('v1');
	});
});

describe('cachedPageTable', () => {
	it('keeps an ok table for the data version, and retries one that came back { ok: false }', async () => {
		let calls = 0;
		const failing = async () => ({ ok: false as boolean, n: ++calls });
		expect(await cachedPageTable('t', ['2026-10-01'], failing)).toEqual({ ok: false, n: 1 });
		expect(await cachedPageTable('t', ['2026-10-01'], failing)).toEqual({ ok: false, n: 2 });
		const fine = async () => ({ ok: true, n: ++calls });
		const first = await cachedPageTable('t', ['2026-10-01'], fine);
		expect(await cachedPageTable('t', ['2026-10-01'], fine)).toBe(first);
		expect(await cachedPageTable('t', ['2026-10-02'], fine)).toEqual({ ok: true, n: 4 });
	});
});
