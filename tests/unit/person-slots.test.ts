import { describe, expect, it } from 'vitest';
import { asPerson, inPersonSlot } from '../../src/lib/server/http/person-slots.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-person query slots', () => {
	it('one person never has more than 2 queries running; another person is not queued behind them', async () => {
		let running = 0;
		let peak = 0;
		const order: string[] = [];
		const query = (who: string, ms: number) => async () => {
			running += who === 'ana' ? 1 : 0;
			peak = Math.max(peak, running);
			await tick(ms);
			order.push(who);
			running -= who === 'ana' ? 1 : 0;
		};
		const ana = Array.from({ length: 6 }, () => asPerson('ana', () => inPersonSlot(query('ana', 40))));
		await tick(5);
		const started = Date.now();
		await asPerson('bo', () => inPersonSlot(query('bo', 1)));
		// Bo's query ran at once, before Ana's queue had drained.
		expect(Date.now() - started).toBeLessThan(35);
		expect(order[0]).toBe('bo');
		await Promise.all(ana);
		expect(peak).toBe(2);
	});
	it('frees the slot when a query fails', async () => {
		await expect(asPerson('cy', () => inPersonSlot(async () => Promise.reject(new Error('boom')), 1))).rejects.toThrow('boom');
		expect(await asPerson('cy', () => inPersonSlot(async () => 'ok', 1))).toBe('ok');
	});
	it('does not limit work outside a request', async () => {
		let running = 0;
		let peak = 0;
		await Promise.all(Array.from({ length: 5 }, () => inPersonSlot(async () => {
			peak = Math.max(peak, ++running);
			await tick(5);
			running--;
		})));
		expect(peak).toBe(5);
	});
});
