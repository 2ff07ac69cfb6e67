import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { Connections } from '../../src/lib/server/warehouse/connections.js';

/** Stand-ins for warehouse connections: only their identity and close() matter to the pool. */
function fakeConnect() {
	const opened: { id: number; closed: boolean }[] = [];
	const connect = async () => {
		const c = { id: opened.length, closed: false, close: async () => void (c.closed = true) };
		opened.push(c);
		return c as unknown as ClickHouseClient;
	};
	return { opened, connect };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('warehouse connections (one piece of work per connection at a time)', () => {
	it('runs at most `size` at once, each on a connection of its own, the rest in the order they asked', async () => {
		const { opened, connect } = fakeConnect();
		const pool = new Connections(2, connect);
		let running = 0;
		let most = 0;
		const order: number[] = [];
		const held = new Set<unknown>();
		await Promise.all(
			Array.from({ length: 6 }, (_, i) =>
				pool.use(async (client) => {
					expect(held.has(client)).toBe(false);
					held.add(client);
					running++;
					most = Math.max(most, running);
					order.push(i);
					await tick();
					running--;
					held.delete(client);
				})
			)
		);
		expect({ most, order, opened: opened.length }).toEqual({ most: 2, order: [0, 1, 2, 3, 4, 5], opened: 2 });
		await pool.close();
		expect(opened.every((c) => c.closed)).toBe(true);
	});

	it('work whose caller has gone while it waited is never run, and its place goes to the next', async () => {
		const pool = new Connections(1, fakeConnect().connect);
		const ran: string[] = [];
		const gone = new AbortController();
		const first = pool.use(async () => {
			await tick();
			ran.push('first');
		});
		const abandoned = pool.use(async () => void ran.push('abandoned'), gone.signal, () => new Error('gone'));
		const next = pool.use(async () => void ran.push('next'));
		gone.abort();
		await expect(abandoned).rejects.toThrow('gone');
		await Promise.all([first, next]);
		expect(ran).toEqual(['first', 'next']);
		expect(pool.waiting).toBe(0);
	});

	it('a connection that failed to open frees its place; failing work gives its connection back', async () => {
		let fail = true;
		const { connect } = fakeConnect();
		const pool = new Connections(1, () => (fail ? Promise.reject(new Error('cannot open')) : connect()));
		await expect(pool.use(async () => 1)).rejects.toThrow('cannot open');
		fail = false;
		await expect(pool.use(async () => Promise.reject(new Error('statement failed')))).rejects.toThrow('statement failed');
		expect(await pool.use(async () => 'after')).toBe('after');
	});

	it('does not close a connection it was given (`of`)', async () => {
		const { opened, connect } = fakeConnect();
		const given = await connect();
		const pool = Connections.of(given);
		expect(await pool.use(async (c) => c)).toBe(given);
		await pool.close();
		expect(opened[0]!.closed).toBe(false);
	});
});
