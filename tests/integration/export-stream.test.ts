import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { runDemo, storyFor } from '../../ingest/demo/index.js';
import { toCsv } from '../../src/lib/csv.js';
import { csvResponse, exportResponse } from '../../src/lib/server/http/csv-response.js';
import { runDrilldown, DRILL_MAX_ROWS } from '../../src/lib/server/metrics/drill.js';
import { query, openLane, QueryAbandonedError } from '../../src/lib/server/warehouse/index.js';
import { MAX_OPEN_STREAMS, streamCapped, streamQuery, StreamsBusyError, STREAM_BLOCK_ROWS } from '../../src/lib/server/warehouse/stream.js';
import { GET as rowsGET } from '../../src/routes/api/v1/metrics/[id]/rows/+server.js';
import { GET as auditCsvGET } from '../../src/routes/admin/audit/csv/+server.js';
import { audit, listAudit } from '../../src/lib/server/audit/index.js';

/**
 * Exports are streamed from the warehouse (issue 18 item 8): a 300 000-row
 * export never holds the result, the streamed file is the buffered one,
 * the cap and its headers hold, and a reader who goes away stops the statement.
 */
useTempWarehouse('loopmeter-export-stream-');

const DAYS = 14;
const story = storyFor(DAYS);
const PERIOD = { from: story.date(0), to: story.date(DAYS) };
const MB = 2 ** 20;

/** 300 000 rows of about 130 bytes of CSV each (~40 MB of CSV; held as JS rows, about 70 MB of heap). */
const MANY = 300_000;
const WIDE_ROWS = `SELECT number AS n, toString(number * 7919) AS id, concat('user-', toString(number % 9973), '-', repeat('x', 90)) AS name, number / 3 AS share
FROM numbers({rows:UInt64})`;
const FIELDS = ['n', 'id', 'name', 'share'];

/** A full collection, so the heap measured is what is still held, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Reads a body to its end, noting the most memory still held above `base`:
 * at the first three chunks (the first is the header line) and every 8th after them, memory is collected and measured.
 */
async function drain(res: Response, base: number): Promise<{ bytes: number; lines: number; peak: number }> {
	const reader = res.body!.getReader();
	let bytes = 0;
	let lines = 0;
	let peak = 0;
	let chunks = 0;
	for (let r = await reader.read(); !r.done; r = await reader.read()) {
		bytes += r.value.byteLength;
		for (const b of r.value) if (b === 10) lines++;
		if (++chunks <= 3 || chunks % 8 === 0) {
			gc();
			peak = Math.max(peak, held() - base);
		}
	}
	return { bytes, lines, peak };
}

/** JS heap plus the buffers outside it (an encoded chunk of the body is one). */
function held(): number {
	const m = process.memoryUsage();
	return m.heapUsed + m.arrayBuffers;
}

function settleHeap(): number {
	gc();
	return held();
}

async function route(id: string, qs: string, signal?: AbortSignal): Promise<Response> {
	const url = new URL(`http://x/api/v1/metrics/${id}/rows?${qs}`);
	return rowsGET({ params: { id }, url, request: new Request(url, { signal }), locals: { auth: { kind: 'session', user: { name: 'test', role: 'admin' } } } } as never);
}

const processesLike = async (lane: Awaited<ReturnType<typeof openLane>>, marker: string) =>
	Number(
		(
			await lane.query<{ n: string }>(
				`SELECT toString(count()) AS n FROM system.processes WHERE position(query, '${marker}') > 0 AND position(query, 'system.processes') = 0`,
				{ tag: 'test:processes' }
			)
		)[0]!.n
	);

beforeAll(async () => {
	await runDemo({ users: 60, days: DAYS });
}, 600_000);

describe('streamed exports', () => {
	it(`a ${MANY}-row export holds one chunk at a time: heap growth stays far below the buffered export's`, async () => {
		const streamedBase = settleHeap();
		const streamed = await drain(
			exportResponse({
				format: 'csv',
				filename: 'many.csv',
				fields: FIELDS,
				rows: streamQuery<Record<string, unknown>>(WIDE_ROWS, { tag: 'test:many', params: { rows: MANY } }),
				total: MANY,
				sending: MANY,
				cap: MANY
			}),
			streamedBase
		);
		expect(streamed.lines).toBe(MANY + 1);
		expect(streamed.bytes).toBeGreaterThan(36 * MB);

		// The old way, for scale: the whole result as rows, then written in chunks.
		const bufferedBase = settleHeap();
		const rows = await query<Record<string, unknown>>(WIDE_ROWS, { tag: 'test:many-buffered', params: { rows: MANY } });
		const buffered = await drain(csvResponse({ filename: 'many.csv', fields: FIELDS, rows, cap: MANY }), bufferedBase);
		expect(buffered.lines).toBe(MANY + 1);

		// Generous: one chunk is ~4 000 rows (< 1 MB of CSV), a few in flight.
		expect(streamed.peak, `streamed peak heap growth ${Math.round(streamed.peak / MB)} MB`).toBeLessThan(16 * MB);
		// Measured: about 3 MB streamed, about 70 MB buffered.
		expect(buffered.peak, `buffered peak heap growth ${Math.round(buffered.peak / MB)} MB`).toBeGreaterThan(48 * MB);
	}, 240_000);

	it('chunks are at most STREAM_BLOCK_ROWS rows and the values are bound as parameters', async () => {
		let rows = 0;
		let largest = 0;
		for await (const chunk of streamQuery<{ n: string }>('SELECT number + {add:UInt32} AS n FROM numbers(20000)', { tag: 'test:chunks', params: { add: 5 } })) {
			if (rows === 0) expect(Number(chunk[0]!.n)).toBe(5);
			rows += chunk.length;
			largest = Math.max(largest, chunk.length);
		}
		expect(rows).toBe(20_000);
		expect(largest).toBeLessThanOrEqual(STREAM_BLOCK_ROWS);
	});

	it('streams bound while other parameterised statements run get their own values, and those get theirs', async () => {
		const jobs: Promise<void>[] = [];
		for (let i = 0; i < 12; i++) {
			jobs.push(
				(async () => {
					const seen: number[] = [];
					for await (const chunk of streamQuery<{ v: string }>('SELECT {base:UInt32} + number AS v FROM numbers(3)', { tag: 'test:race-stream', params: { base: 1000 * i } })) {
						seen.push(...chunk.map((r) => Number(r.v)));
					}
					expect(seen).toEqual([1000 * i, 1000 * i + 1, 1000 * i + 2]);
				})()
			);
			jobs.push(
				(async () => {
					const [r] = await query<{ v: string }>('SELECT toString(sleepEachRow(0.01) + {x:UInt32}) AS v FROM numbers(1)', { tag: 'test:race-query', params: { x: i } });
					expect(Number(r!.v)).toBe(i);
				})()
			);
		}
		await Promise.all(jobs);
	}, 60_000);

	for (const metric of ['watch_hours', 'mrr', 'compute_spend'] as const) {
		it(`${metric}: the streamed CSV and NDJSON hold exactly the buffered rows`, async () => {
			const qs = `from=${PERIOD.from}&to=${PERIOD.to}`;
			const buffered = await runDrilldown({ metric, ...PERIOD }, { limit: DRILL_MAX_ROWS });
			expect(buffered.total).toBeGreaterThan(0);
			const fields = buffered.columns.map((c) => c.name);

			const csv = await route(metric, `${qs}&format=csv`);
			expect(csv.headers.get('x-rows')).toBe(String(buffered.total));
			expect(csv.headers.get('x-rows-total')).toBe(String(buffered.total));
			expect(csv.headers.get('x-rows-truncated')).toBe('0');
			expect(await csv.text()).toBe(toCsv(buffered.rows, fields));

			const nd = await route(metric, `${qs}&format=ndjson`);
			expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
			const lines = (await nd.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
			expect(lines).toEqual(buffered.rows.map((r) => Object.fromEntries(fields.map((f) => [f, r[f] ?? null]))));
		});
	}

	it('the audit CSV is streamed: the rows of the list, newest first, formulas neutralised, capped by limit', async () => {
		for (let i = 0; i < 5; i++) await audit({ actor: i === 0 ? '=HYPERLINK("https://evil.example")' : `streamer-${i}`, action: 'login.failed', outcome: 'failed' });
		const admin = { locals: { auth: { kind: 'session', user: { name: 'root', role: 'admin' } } } };
		const get = (qs: string) => {
			const url = new URL(`http://x/admin/audit/csv?${qs}`);
			return auditCsvGET({ ...admin, url, request: new Request(url) } as never);
		};
		const listed = await listAudit({ action: 'login.failed', limit: 200 });
		const all = await get('action=login.failed');
		expect(all.headers.get('x-rows')).toBe(String(listed.length));
		const fields = ['ts', 'actor', 'action', 'target', 'outcome', 'ip', 'detail'];
		const text = await all.text();
		expect(text).toBe(toCsv(listed, fields));
		expect(text).toContain(`'=HYPERLINK`);

		const two = await get('action=login.failed&limit=2');
		expect([two.headers.get('x-rows'), two.headers.get('x-rows-total'), two.headers.get('x-rows-truncated')]).toEqual(['2', String(listed.length), '1']);
		expect(await two.text()).toBe(toCsv(listed.slice(0, 2), fields));
	});

	it(`at most ${MAX_OPEN_STREAMS} exports are open at once; a finished, failed or cancelled one frees its place`, async () => {
		const open = () => streamCapped<Record<string, unknown>>(WIDE_ROWS, { params: { rows: 50_000 }, cap: 50_000, tag: 'test:slots' });
		const first = await Promise.all(Array.from({ length: MAX_OPEN_STREAMS }, open));
		await expect(open()).rejects.toBeInstanceOf(StreamsBusyError);
		// Cancelled before a row was read (the client left at once).
		await first[0]!.rows[Symbol.asyncIterator]().return?.();
		const again = await open();
		await expect(open()).rejects.toBeInstanceOf(StreamsBusyError);
		// Read to the end.
		let n = 0;
		for await (const chunk of again.rows) n += chunk.length;
		expect(n).toBe(50_000);
		// An export with nothing to send never holds a place.
		const empty = await streamCapped(WIDE_ROWS, { params: { rows: 0 }, cap: 10, tag: 'test:slots-empty' });
		expect(empty.sending).toBe(0);
		const last = await open();
		for (const s of [...first.slice(1), last]) await s.rows[Symbol.asyncIterator]().return?.();
		await Promise.all(Array.from({ length: MAX_OPEN_STREAMS }, open)).then((all) => Promise.all(all.map((s) => s.rows[Symbol.asyncIterator]().return?.())));
	});

	it('the cap holds: the body carries X-Rows rows, X-Rows-Total says how many matched', async () => {
		const rows = streamQuery<Record<string, unknown>>(WIDE_ROWS, { tag: 'test:capped', params: { rows: 10_000 } });
		const res = exportResponse({ format: 'csv', filename: 'c.csv', fields: FIELDS, rows, total: 10_000, sending: 2_500, cap: 2_500 });
		expect(res.headers.get('x-row-cap')).toBe('2500');
		expect(res.headers.get('x-rows')).toBe('2500');
		expect(res.headers.get('x-rows-total')).toBe('10000');
		expect(res.headers.get('x-rows-truncated')).toBe('1');
		const parsed = Papa.parse<string[]>((await res.text()).trim()).data;
		expect(parsed).toHaveLength(2_501);
		expect(parsed[2_500]![0]).toBe('2499');
	});

	it('a body shorter than its headers promised ends in an error, not as a complete file', async () => {
		const rows = streamQuery<Record<string, unknown>>(WIDE_ROWS, { tag: 'test:short', params: { rows: 10 } });
		const res = exportResponse({ format: 'csv', filename: 's.csv', fields: FIELDS, rows, total: 12, sending: 12, cap: 100 });
		await expect(res.text()).rejects.toThrow(/ended after 10 of the 12 rows/);
	});

	it('a reader who goes away stops the statement in the warehouse', async () => {
		const lane = await openLane();
		try {
			// Minutes of work if it ran to its end.
			const endless = 'SELECT number AS n, sipHash64(number) AS endless_h FROM numbers({rows:UInt64}) WHERE endless_h % 3 = 0';
			const gone = new AbortController();
			const res = exportResponse({
				format: 'csv',
				filename: 'e.csv',
				fields: ['n', 'endless_h'],
				rows: streamQuery<Record<string, unknown>>(endless, { tag: 'test:endless', params: { rows: 3_000_000_000 }, signal: gone.signal }),
				total: 1e9,
				sending: 1e9,
				cap: 1e9
			});
			const reader = res.body!.getReader();
			await reader.read();
			await reader.read();
			expect(await processesLike(lane, 'AS endless_h')).toBe(1);
			gone.abort();
			let ended: unknown;
			for (let i = 0; i < 5 && ended === undefined; i++) ended = await reader.read().then((r) => (r.done ? 'done' : undefined), (e: unknown) => e);
			expect(ended).toBeInstanceOf(QueryAbandonedError);
			for (let i = 0; i < 50 && (await processesLike(lane, 'AS endless_h')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
			expect(await processesLike(lane, 'AS endless_h')).toBe(0);
			// The engine is free for the next parameterised statement.
			const [next] = await query<{ x: number }>('SELECT {x:UInt8} AS x', { tag: 'test:next', params: { x: 7 } });
			expect(next?.x).toBe(7);
		} finally {
			await lane.close();
		}
	}, 60_000);

	it('a download cancelled by its client (the connection closed) stops the statement too', async () => {
		const lane = await openLane();
		try {
			const res = exportResponse({
				format: 'ndjson',
				filename: 'e.ndjson',
				fields: ['n'],
				rows: streamQuery<Record<string, unknown>>('SELECT number AS n, sipHash64(number) AS cancelled_h FROM numbers({rows:UInt64}) WHERE cancelled_h % 3 = 0', {
					tag: 'test:cancelled',
					params: { rows: 3_000_000_000 }
				}),
				total: 1e9,
				sending: 1e9,
				cap: 1e9
			});
			const reader = res.body!.getReader();
			await reader.read();
			await reader.read();
			expect(await processesLike(lane, 'AS cancelled_h')).toBe(1);
			await reader.cancel();
			for (let i = 0; i < 50 && (await processesLike(lane, 'AS cancelled_h')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
			expect(await processesLike(lane, 'AS cancelled_h')).toBe(0);
		} finally {
			await lane.close();
		}
	}, 60_000);
});
