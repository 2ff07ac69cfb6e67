import { describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { query, QueryMemoryError } from '../../src/lib/server/warehouse/index.js';
import { DEFAULT_WAREHOUSE_MEMORY_MB, readConfig } from '../../src/lib/server/config.js';

const CAP_MB = 256;
const { open } = useTempWarehouse('loopmeter-memory-');
process.env.LOOPMETER_WAREHOUSE_MEMORY_MB = String(CAP_MB);

describe('the embedded warehouse memory cap (LOOPMETER_WAREHOUSE_MEMORY_MB)', () => {
	it('is the engine’s max_server_memory_usage', async () => {
		await open();
		const [row] = await query<{ value: string }>(`SELECT value FROM system.server_settings WHERE name = 'max_server_memory_usage'`, { tag: 'test' });
		expect(Number(row?.value)).toBe(CAP_MB * 2 ** 20);
	});

	it('a query that needs more stops with an error naming the cap; the next query runs', async () => {
		// 100 M UInt64 in one array: 800 MB, far over 256 MiB, and an array cannot spill.
		const err = await query(`SELECT length(groupArray(number)) AS n FROM numbers(100000000)`, { tag: 'metric:too_big' }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(QueryMemoryError);
		expect((err as Error).message).toMatch(/^The query "metric:too_big" needed more memory than the warehouse may use \(256 MiB, LOOPMETER_WAREHOUSE_MEMORY_MB\) and was stopped/);
		expect(await query<{ ok: number }>('SELECT 1 AS ok', { tag: 'test' })).toEqual([{ ok: 1 }]);
	});

	it('two such queries running at once on their own connections both stop with that error; the engine stays up and the next query runs', async () => {
		// Each alone is over the cap; together, on two connections sharing it, neither may take the process down.
		const heavy = (i: number) => query(`SELECT length(groupArray(number + {i:UInt8})) AS n FROM numbers(100000000)`, { tag: `metric:too_big_${i}`, params: { i } }).catch((e: unknown) => e);
		const errors = await Promise.all([heavy(1), heavy(2)]);
		for (const err of errors) expect(err).toBeInstanceOf(QueryMemoryError);
		const answers = await Promise.all([1, 2, 3].map((x) => query<{ x: number }>('SELECT {x:UInt8} AS x', { tag: 'test', params: { x } })));
		expect(answers).toEqual([[{ x: 1 }], [{ x: 2 }], [{ x: 3 }]]);
	}, 60_000);

	it('a GROUP BY larger than the cap spills to disk instead of failing', async () => {
		// 8 M groups with a uniqExact state each: well over 256 MiB held in memory at once.
		const [row] = await query<{ groups: string }>(
			`SELECT toString(count()) AS groups FROM (SELECT number % 8000000 AS k, uniqExact(number) AS u FROM numbers(16000000) GROUP BY k)`,
			{ tag: 'test:spill' }
		);
		expect(row?.groups).toBe('8000000');
	});
});

describe('LOOPMETER_WAREHOUSE_MEMORY_MB', () => {
	it('defaults to 1.25 GiB or a quarter of RAM, whichever is less; 0 lifts the cap; tiny values are refused', () => {
		expect(readConfig({}).LOOPMETER_WAREHOUSE_MEMORY_MB).toBe(DEFAULT_WAREHOUSE_MEMORY_MB);
		expect(DEFAULT_WAREHOUSE_MEMORY_MB).toBeLessThanOrEqual(1280);
		expect(readConfig({ LOOPMETER_WAREHOUSE_MEMORY_MB: '0' }).LOOPMETER_WAREHOUSE_MEMORY_MB).toBe(0);
		expect(readConfig({ LOOPMETER_WAREHOUSE_MEMORY_MB: '1536' }).LOOPMETER_WAREHOUSE_MEMORY_MB).toBe(1536);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_MEMORY_MB: '64' })).toThrow(/LOOPMETER_WAREHOUSE_MEMORY_MB must be 0 \(no cap\) or at least 128 MiB/);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_MEMORY_MB: '1G' })).toThrow(/LOOPMETER_WAREHOUSE_MEMORY_MB must be a number of MiB/);
	});
});
