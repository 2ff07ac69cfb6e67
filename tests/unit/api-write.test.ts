import { isHttpError } from '@sveltejs/kit';
import { describe, expect, it } from 'vitest';
import { createdFromJson, dayRangeParams } from '../../src/lib/server/http/api-write.js';

class InputError extends Error {}

const post = (body: string) => new Request('http://x/api/v1/things', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

/** The status and message of what `run` threw, or of its response. */
async function outcome(run: () => Promise<Response>): Promise<{ status: number; message?: string; body?: unknown }> {
	try {
		const r = await run();
		return { status: r.status, body: await r.json() };
	} catch (e) {
		if (isHttpError(e)) return { status: e.status, message: e.body.message };
		throw e;
	}
}

describe('createdFromJson: the POST half of the annotations, budgets and month-close APIs', () => {
	it('answers 201 with what the write returned, handing it the parsed body', async () => {
		const got = await outcome(() => createdFromJson(post('{"day":"2026-10-01"}'), async (b) => ({ wrote: b }), InputError));
		expect(got).toEqual({ status: 201, body: { wrote: { day: '2026-10-01' } } });
	});

	it('a body that is not JSON is a 400 saying so, and the write is never called', async () => {
		let called = false;
		const got = await outcome(() =>
			createdFromJson(post('{day'), async () => ((called = true), {}), InputError)
		);
		expect(got).toEqual({ status: 400, message: 'body: not valid JSON' });
		expect(called).toBe(false);
	});

	it("the write's own input error is a 400 carrying its message", async () => {
		const got = await outcome(() =>
			createdFromJson(post('{}'), async () => {
				throw new InputError('day: must be a date like 2026-10-01');
			}, InputError)
		);
		expect(got).toEqual({ status: 400, message: 'day: must be a date like 2026-10-01' });
	});

	it('any other failure is not turned into bad input: it is thrown on (a 500)', async () => {
		const warehouseDown = new Error('connection refused');
		await expect(
			createdFromJson(post('{}'), async () => {
				throw warehouseDown;
			}, InputError)
		).rejects.toBe(warehouseDown);
	});
});

describe('dayRangeParams: from and to of a list API', () => {
	it('gives both, either or neither as written', () => {
		expect(dayRangeParams(new URL('http://x/?from=2026-09-01&to=2026-11-01'))).toEqual({ from: '2026-09-01', to: '2026-11-01' });
		expect(dayRangeParams(new URL('http://x/?to=2026-11-01'))).toEqual({ from: undefined, to: '2026-11-01' });
		expect(dayRangeParams(new URL('http://x/'))).toEqual({ from: undefined, to: undefined });
	});

	it('a value that is not a date is a 400 naming its field', () => {
		for (const [query, message] of [
			['from=yesterday', 'from: must be a date like 2026-10-01'],
			['from=2026-09-01&to=2026-11', 'to: must be a date like 2026-10-01']
		]) {
			let thrown: unknown;
			try {
				dayRangeParams(new URL(`http://x/?${query}`));
			} catch (e) {
				thrown = e;
			}
			expect(isHttpError(thrown) && { status: thrown.status, message: thrown.body.message }).toEqual({ status: 400, message });
		}
	});
});
