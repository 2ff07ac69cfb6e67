import { describe, expect, it } from 'vitest';
import { exportResponse, jsonResponse } from '../../src/lib/server/http/csv-response.js';

async function* batches<T>(items: T[], size: number): AsyncGenerator<T[]> {
	for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

describe('streamed export writers', () => {
	it('a JSON response written item by item is exactly JSON.stringify of the whole object', async () => {
		for (const n of [0, 1, 999, 1_000, 2_501]) {
			const list = Array.from({ length: n }, (_, i) => ({ day: `d${i}`, rows: i, note: i % 7 ? null : 'quote " and \\ back' }));
			const res = jsonResponse({ from: 'a', to: 'b', runs: [{ x: 1 }] }, { rows_per_day: list.values(), other: [1, 2].values() });
			expect(res.headers.get('content-type')).toBe('application/json');
			expect(JSON.parse(await res.text())).toEqual({ from: 'a', to: 'b', runs: [{ x: 1 }], rows_per_day: list, other: [1, 2] });
		}
		expect(JSON.parse(await jsonResponse({}, { only: [].values() }).text())).toEqual({ only: [] });
		expect(JSON.parse(await jsonResponse({ a: 1 }, {}).text())).toEqual({ a: 1 });
	});

	it('a JSON list is produced only as the body is read, not built whole first', async () => {
		let produced = 0;
		function* days() {
			for (let i = 0; i < 50_000; i++) {
				produced++;
				yield { day: i, source: 'users', rows: 0 };
			}
		}
		const reader = jsonResponse({ from: 'x' }, { rows_per_day: days() }).body!.getReader();
		for (let i = 0; i < 4; i++) await reader.read();
		// The head, the list's opening and a chunk or two of items: not the 50 000.
		expect(produced).toBeGreaterThan(0);
		expect(produced).toBeLessThan(5_000);
		await reader.cancel();
	});

	it('an NDJSON export has one object per row, keys in field order, missing values null', async () => {
		const rows = [{ b: 2, a: '=x' }, { a: 'y' }];
		const res = exportResponse({ format: 'ndjson', filename: 'r.ndjson', fields: ['a', 'b'], rows: batches(rows, 1), total: 2, sending: 2, cap: 10 });
		expect(res.headers.get('content-disposition')).toBe('attachment; filename="r.ndjson"');
		expect(await res.text()).toBe('{"a":"=x","b":2}\n{"a":"y","b":null}\n');
	});

	it('a CSV export reads its source only as the client reads: nothing past what was asked for', async () => {
		let pulled = 0;
		async function* rows() {
			for (let i = 0; i < 1_000; i++) {
				pulled++;
				yield [{ n: i }];
			}
		}
		const reader = exportResponse({ format: 'csv', filename: 'n.csv', fields: ['n'], rows: rows(), total: 1_000, sending: 1_000, cap: 1_000 }).body!.getReader();
		expect(new TextDecoder().decode((await reader.read()).value)).toBe('n\n');
		await reader.read();
		await reader.read();
		// Two chunks read, at most one more fetched ahead (the stream's queue of one).
		expect(pulled).toBeLessThanOrEqual(3);
		await reader.cancel();
	});

	it('stops at the rows it announced even when the source has more, and formula cells stay neutralised', async () => {
		const rows = Array.from({ length: 10 }, (_, i) => ({ n: i, s: i === 0 ? '=1+1' : 'ok' }));
		const res = exportResponse({ format: 'csv', filename: 'c.csv', fields: ['n', 's'], rows: batches(rows, 4), total: 10, sending: 5, cap: 5 });
		expect(res.headers.get('x-rows-truncated')).toBe('1');
		expect(await res.text()).toBe("n,s\n0,'=1+1\n1,ok\n2,ok\n3,ok\n4,ok\n");
	});
});
