import { describe, expect, it } from 'vitest';
import { useOpenTempWarehouse } from '../helpers/warehouse.js';
import { command, openLane, query, QueryParameterError, QueryTimeoutError, sideQuery, statementConnectionCount } from '../../src/lib/server/warehouse/index.js';
import { parameterText, placeholdersIn, setParameters, stringLiteral } from '../../src/lib/server/warehouse/query-params.js';
import { readConfig } from '../../src/lib/server/config.js';

const { dataDir } = useOpenTempWarehouse('loopmeter-params-');

/**
 * Embedded, `{name:Type}` values travel as `SET param_name = '<text>'` on the
 * statement's own connection (query-params.ts), no longer through chDB's
 * binder, which runs one parameterised statement at a time process-wide.
 * These check that no value can leave its literal, that values read back
 * exactly as chDB's own binder (and the HTTP client) would give them, and that
 * statements on different connections run at once, each with its own values.
 */
const HOSTILE: string[] = [
	'',
	'plain',
	"it's",
	"'",
	"''",
	'\\',
	'\\\\',
	"\\'",
	"\\''",
	"'; DROP TABLE users; --",
	"\\'; DROP TABLE users; --",
	"x' OR '1'='1",
	'a\nb',
	'a\r\nb',
	'a\tb',
	'nul\0byte',
	'\0',
	'\x01\x02\x1b[31m\x7f',
	'{x:String}',
	'{v:String}',
	'$1 ? %s',
	'\\N',
	'NULL',
	'SET param_v = 1; SELECT 2',
	'ünïcødé 😀 中文 \u202e rtl',
	'\u2028\u2029',
	'\\x27',
	'\\0',
	'x'.repeat(100_000),
	"'\\".repeat(50_000)
];

/** A statement's value read back through the engine, cast to text so every type compares as a string. */
async function viaPool(type: string, value: unknown): Promise<string | null> {
	const [row] = await query<{ v: string | null }>(`SELECT toString({v:${type}}) AS v`, { tag: 'test:params', params: { v: value } });
	return row!.v;
}

/** The same through chDB's own binder (queryBindAsync), on a session of this test's own. */
async function viaChdbBinder(type: string, value: unknown): Promise<string | null> {
	const { Session } = await import('chdb');
	const session = new Session(dataDir);
	try {
		const r = await session.queryBindAsync(`SELECT toString({v:${type}}) AS v`, { v: value }, { format: 'JSONEachRow' });
		return (JSON.parse(r.text()) as { v: string | null }).v;
	} finally {
		session.close();
	}
}

describe('typed parameters as connection settings (embedded)', () => {
	it('the literal holds only printable text and one pair of quotes, whatever the value', () => {
		for (const s of HOSTILE) {
			const lit = stringLiteral(parameterText(s));
			expect(lit.startsWith("'") && lit.endsWith("'")).toBe(true);
			const inner = lit.slice(1, -1);
			// No control character at all, and every quote inside is escaped.
			expect(inner).not.toMatch(/[\x00-\x1f\x7f]/);
			expect(inner.replace(/\\[\\']|\\x[0-9a-f]{2}/g, '')).not.toMatch(/['\\]/);
		}
		expect(stringLiteral("a'b\\c\n\0")).toBe("'a\\'b\\\\c\\x0a\\x00'");
	});

	it('hostile strings read back identically, and as chDB’s own binder reads them', async () => {
		for (const s of HOSTILE) {
			const [row] = await query<{ v: string; n: string }>('SELECT {v:String} AS v, toString(length({v:String})) AS n', { tag: 'test:hostile', params: { v: s } });
			expect(row!.v === s, `value ${JSON.stringify(s.slice(0, 40))}`).toBe(true);
			expect(Number(row!.n)).toBe(Buffer.byteLength(s));
			if (s.length < 1000) expect(await viaChdbBinder('String', s)).toBe(s);
		}
	}, 120_000);

	it('arrays of hostile strings, and Nullable, read back identically', async () => {
		const small = HOSTILE.filter((s) => s.length < 1000);
		const [row] = await query<{ v: string[] }>('SELECT {v:Array(String)} AS v', { tag: 'test:array', params: { v: small } });
		expect(row!.v).toEqual(small);
		const [bound] = await query<{ v: string[] }>('SELECT {v:Array(String)} AS v', { tag: 'test:array', params: { v: HOSTILE } });
		expect(bound!.v).toEqual(HOSTILE);
		expect(await viaPool('Array(String)', small)).toBe(await viaChdbBinder('Array(String)', small));
		expect(await viaPool('Nullable(String)', null)).toBe(null);
		expect(await viaChdbBinder('Nullable(String)', null)).toBe(null);
		// A value that is the text \N is a string, not NULL.
		expect(await viaPool('Nullable(String)', '\\N')).toBe('\\N');
	});

	it('numbers at their limits and dates read back as chDB’s binder gives them (or exactly, where that binder refuses or rounds)', async () => {
		const same: [string, unknown][] = [
			['UInt8', 255],
			['Int8', -128],
			['UInt32', 4294967295],
			['Int64', Number.MAX_SAFE_INTEGER],
			['Int64', -9223372036854775808n],
			['UInt64', 18446744073709551615n],
			['Int128', -(2n ** 127n)],
			['Float64', 0.1],
			['Float64', Number.MIN_VALUE],
			['Float64', -0],
			['Decimal(18, 4)', '12345678901234.5678'],
			['Date', '2026-02-28'],
			['Date32', '1900-01-01'],
			['DateTime', new Date('2026-03-29T01:30:00Z')],
			['DateTime', '2026-12-31 23:59:59'],
			['Bool', true],
			['Array(UInt32)', [0, 1, 4294967295]],
			['Array(Date)', ['2026-01-01', '2026-12-31']]
		];
		for (const [type, value] of same) expect(await viaPool(type, value), `${type} ${String(value)}`).toBe(await viaChdbBinder(type, value));
		// chDB's binder refuses these; the HTTP client's text gives the engine's own reading.
		expect(await viaPool('Float64', Number.MAX_VALUE)).toBe('1.7976931348623157e308');
		expect(await viaPool('Float64', Number.NaN)).toBe('nan');
		expect(await viaPool('Float64', Number.NEGATIVE_INFINITY)).toBe('-inf');
		// chDB's binder drops the milliseconds; the HTTP client keeps them.
		expect(await viaPool('DateTime64(3)', new Date('2026-01-02T03:04:05.123Z'))).toBe('2026-01-02 03:04:05.123');
	});

	it('a value that does not parse as its type is refused by the engine, as over HTTP', async () => {
		await expect(query('SELECT {n:UInt8} AS n', { tag: 'test:bad-type', params: { n: "1'; DROP TABLE users; --" } })).rejects.toThrow(/test:bad-type/);
		await expect(query('SELECT {d:Date} AS d', { tag: 'test:bad-type', params: { d: "2026-01-01'), ('x" } })).rejects.toThrow(/test:bad-type/);
		expect(await query<{ ok: number }>('SELECT 1 AS ok', { tag: 'test' })).toEqual([{ ok: 1 }]);
	});

	it('a placeholder without a value, or a parameter whose name is not an identifier, is refused before anything runs', async () => {
		expect(placeholdersIn('SELECT {a:String}, { b : Array(UInt8) }, {a:String}')).toEqual(['a', 'b']);
		// Where the engine substitutes nothing: comments, strings, quoted names (a metric's comment quotes {{include:name}}).
		const quoted = "-- read {{from_first_start:x}} here\nSELECT '{s:String}', 'it''s {t:String}', 'a\\'{u:String}' /* {v:UInt8} */, `{w:String}`, {real:UInt8} -- {y:Date}";
		expect(placeholdersIn(quoted)).toEqual(['real']);
		const run = "-- read {{from_first_start:x}} here\nSELECT '{s:String}' AS s, 'it''s {t:String}' AS t, 'a\\'{u:String}' /* {v:UInt8} */ AS u, {real:UInt8} AS r -- {y:Date}";
		expect(await query(run, { tag: 'test:quoted', params: { real: 7 } })).toEqual([{ s: '{s:String}', t: "it's {t:String}", u: "a'{u:String}", r: 7 }]);
		expect(() => setParameters('SELECT {a:String}, {b:UInt8}', { a: 'x' }, 'tag')).toThrow(/\[tag\] the statement uses \{b\} but no value was given/);
		expect(() => setParameters('SELECT 1', { "a = 1, param_b": 'x' }, 'tag')).toThrow(/not an identifier/);
		expect(() => setParameters('SELECT 1', { '1a': 'x' }, 'tag')).toThrow(/not an identifier/);
		expect(setParameters('SELECT 1', {}, 'tag')).toBeUndefined();
		// Every connection of the pool and a lane have had `a` set; a statement without it still cannot read it.
		const lane = await openLane();
		try {
			await Promise.all(Array.from({ length: 6 }, () => query('SELECT {a:String} AS a', { tag: 'test:set-a', params: { a: 'left behind' } })));
			await lane.query('SELECT {a:String} AS a', { tag: 'test:set-a', params: { a: 'left behind' } });
			await expect(query('SELECT {a:String} AS a', { tag: 'test:stale' })).rejects.toBeInstanceOf(QueryParameterError);
			await expect(lane.query('SELECT {a:String} AS a', { tag: 'test:stale' })).rejects.toBeInstanceOf(QueryParameterError);
			await expect(command('SELECT {a:String}', { tag: 'test:stale' })).rejects.toBeInstanceOf(QueryParameterError);
			await expect(sideQuery('SELECT {a:String} AS a', { tag: 'test:stale' })).rejects.toBeInstanceOf(QueryParameterError);
		} finally {
			await lane.close();
		}
	});

	it('a statement stopped half-way leaves none of its rows to the next statement on its connection', async () => {
		// Stopped by the engine after 1 s with rows already produced (chDB keeps them for its connection's next statement).
		const stopped = await query('SELECT number, sleepEachRow(0.001) AS z FROM numbers(100000) SETTINGS max_block_size = 100, max_execution_time = 1', { tag: 'test:stopped' }).catch(
			(e: unknown) => e
		);
		expect(stopped).toBeInstanceOf(QueryTimeoutError);
		// One at a time, so the next takes the connection just given back: the one that failed. Plain
		// statements: a parameterised one's SET would itself swallow the rows left behind.
		for (let i = 0; i < 4; i++) expect(await query<{ x: number }>('SELECT 1 AS x', { tag: 'test:after-stop' })).toEqual([{ x: 1 }]);
	}, 30_000);

	it('24 statements at once with different values each see their own', async () => {
		const jobs = Array.from({ length: 24 }, async (_, i) => {
			const s = `${i}'\\${'é'.repeat(i)}\n`;
			const [row] = await query<{ i: string; s: string; a: string[] }>(
				'SELECT toString({i:UInt32} + sleepEachRow(0.02)) AS i, {s:String} AS s, {a:Array(String)} AS a FROM numbers(2) LIMIT 1',
				{ tag: 'test:race', params: { i, s, a: [s, String(i)] } }
			);
			expect(row).toEqual({ i: String(i), s, a: [s, String(i)] });
		});
		await Promise.all(jobs);
	}, 60_000);

	it('two parameterised panel queries run at the same time, not one after the other', async () => {
		expect(statementConnectionCount(readConfig({}), 2)).toBeGreaterThanOrEqual(2);
		const lane = await openLane();
		try {
			// 2.5 s each without using a core (sleepEachRow), so the machine's load does not matter.
			const slow = (n: number) => query('SELECT sum(sleepEachRow(0.5)) + {n:UInt32} AS overlap_probe FROM numbers(5)', { tag: 'test:overlap', params: { n } });
			const started = performance.now();
			const both = Promise.all([slow(1), slow(2)]);
			let most = 0;
			const running = async () =>
				Number(
					(await lane.query<{ n: string }>(`SELECT toString(count()) AS n FROM system.processes WHERE query LIKE '%AS overlap_probe%' AND query NOT LIKE '%system.processes%'`, { tag: 'test:processes' }))[0]!.n
				);
			let done = false;
			void both.finally(() => (done = true));
			while (!done) {
				most = Math.max(most, await running());
				await new Promise((r) => setTimeout(r, 100));
			}
			await both;
			const ms = performance.now() - started;
			// Before (chDB's binder): one at a time, never 2 running, ≥ 5 s in all.
			expect({ most, underOneAndAHalf: ms < 2500 * 1.6 }).toEqual({ most: 2, underOneAndAHalf: true });
		} finally {
			await lane.close();
		}
	}, 30_000);
});

describe('LOOPMETER_WAREHOUSE_CONNECTIONS', () => {
	it('defaults to the cores, from 2 to 4; takes 1–16; refuses anything else with its name', () => {
		expect(statementConnectionCount(readConfig({}), 1)).toBe(2);
		expect(statementConnectionCount(readConfig({}), 2)).toBe(2);
		expect(statementConnectionCount(readConfig({}), 3)).toBe(3);
		expect(statementConnectionCount(readConfig({}), 64)).toBe(4);
		expect(statementConnectionCount(readConfig({ LOOPMETER_WAREHOUSE_CONNECTIONS: '6' }), 2)).toBe(6);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_CONNECTIONS: '0' })).toThrow(/LOOPMETER_WAREHOUSE_CONNECTIONS must be at least 1/);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_CONNECTIONS: '2.5' })).toThrow(/LOOPMETER_WAREHOUSE_CONNECTIONS must be a whole number/);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_CONNECTIONS: 'many' })).toThrow(/LOOPMETER_WAREHOUSE_CONNECTIONS/);
		expect(() => readConfig({ LOOPMETER_WAREHOUSE_CONNECTIONS: '17' })).toThrow(/at most 16/);
	});
});
