import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { parquetSpoolCap } from '../../ingest/parquet.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { startQueryProfile, stopQueryProfile } from '../../src/lib/server/warehouse/profile.js';
import { engagementRecord } from '../helpers/rows.js';

/**
 * The SQL fast path (ingest/spool.ts → ingest/fast-path.ts) where it differs
 * from reading line by line in JavaScript: line numbers across chunks, blank
 * and CRLF lines, rows SQL refuses but JavaScript accepts, keys repeated
 * between the two, refused values that must not be converted; Parquet read
 * in place. CSV against the JavaScript path: ingest-csv-sql.test.ts.
 */

useTempWarehouse('loopmeter-fast-path-');
const tmp = mkdtempSync(join(tmpdir(), 'loopmeter-fast-path-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function row(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return engagementRecord({ impression_id: id, ts: '2026-08-03T10:00:00.000Z', ...extra });
}

async function letters(runId: string): Promise<{ line: string; field: string; reason: string; raw: string }[]> {
	return query(`SELECT toString(line) AS line, field, reason, raw FROM dead_letters FINAL WHERE run_id = {id:String} ORDER BY dead_letters.line, field`, {
		tag: 'test',
		params: { id: runId }
	});
}

describe('NDJSON through SQL', () => {
	it('keeps exact line numbers across chunks, blank and CRLF lines, and the first of a key whichever path accepted it', async () => {
		process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
		const lines: string[] = [];
		for (let i = 0; i < 250; i++) {
			if (i === 10) lines.push('');
			if (i === 20) lines.push('   \t');
			if (i === 150) lines.push('{not json');
			// Line numbers are 1-based and count every physical line.
			lines.push(JSON.stringify(row(`fp${i}`, { watch_ms: i % 100 === 42 ? -1 : 1000 + i })));
		}
		// fpdup: first written with a time JavaScript must convert (SQL refuses it), then canonical: the first wins.
		lines.push(JSON.stringify(row('fpdup', { ts: '2026-08-03T12:00:00+02:00', watch_ms: 1 })));
		lines.push(JSON.stringify(row('fpdup', { watch_ms: 2 })));
		const path = join(tmp, 'chunks.ndjson');
		// CRLF line endings throughout.
		writeFileSync(path, lines.join('\r\n') + '\r\n');
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
		// 250 + 1 bad JSON + 2 fpdup = 253 records; rejected: fp42, fp142, fp242 (watch_ms) + the bad line.
		expect(r).toMatchObject({ rows_read: 253, rows_rejected: 4, rows_loaded: 248, rows_duplicate: 1, outcome: 'succeeded' });
		const dead = await letters(r!.run_id);
		// fp42 is on line 42 + 1 (blank at 10) + 1 (blank at 20) + 1 = 45; fp142 on 145; the bad JSON line on 153; fp242 on 246.
		expect(dead.map((d) => [d.line, d.field])).toEqual([
			['45', 'watch_ms'],
			['145', 'watch_ms'],
			['153', ''],
			['246', 'watch_ms']
		]);
		expect(dead[0]!.reason).toBe('watch_ms: must be ≥ 0, got -1');
		expect(dead[0]!.raw).toBe(JSON.stringify(row('fp42', { watch_ms: -1 })));
		expect(dead[2]!.reason).toMatch(/^line is not valid JSON/);
		const [dup] = await query<{ watch_ms: number; ts: string; n: string }>(
			`SELECT any(watch_ms) AS watch_ms, toString(any(ts)) AS ts, toString(count()) AS n FROM impressions WHERE impression_id = 'fpdup'`,
			{ tag: 'test' }
		);
		expect(dup).toEqual({ watch_ms: 1, ts: '2026-08-03 10:00:00.000', n: '1' });
		const [again] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		expect(again).toMatchObject({ rows_read: 253, rows_loaded: 0, rows_rejected: 4 });
	});
});

describe('the canonical path and the JSON-text rules', () => {
	it('load the same rows and dead letters from a compact file and from one written with spaces', async () => {
		process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
		const spaced = (o: Record<string, unknown>) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
		const load = async (prefix: string, print: (o: Record<string, unknown>) => string) => {
			const lines = [];
			for (let i = 0; i < 300; i++) lines.push(print(row(`${prefix}${i}`, { watch_ms: i % 50 === 7 ? -1 : i, liked: i % 3 === 0, tz_offset_min: i % 2 ? null : 60 })));
			const path = join(tmp, `${prefix}.ndjson`);
			writeFileSync(path, lines.join('\n') + '\n');
			startQueryProfile();
			const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
			const calls = Object.fromEntries(stopQueryProfile().map((p) => [p.tag, p.calls]));
			const [sums] = await query<{ n: string; watch: string; liked: string; tz: string }>(
				`SELECT toString(count()) AS n, toString(sum(watch_ms)) AS watch, toString(countIf(liked)) AS liked, toString(sum(ifNull(tz_offset_min, 0))) AS tz
				 FROM impressions WHERE startsWith(impression_id, {p:String})`,
				{ tag: 'test', params: { p: prefix } }
			);
			return { r, calls, sums, dead: (await letters(r!.run_id)).map((d) => [d.line, d.reason]) };
		};
		const compact = await load('cp', (o) => JSON.stringify(o));
		const withSpaces = await load('sp', spaced);
		delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
		// Compact lines are all read by the canonical path; spaced ones by the text rules after the first chunk shows they are not canonical.
		expect(compact.calls['ingest.fast.canonical']).toBe(3);
		expect(compact.calls['ingest.fast.parse']).toBeUndefined();
		expect(withSpaces.calls['ingest.fast.canonical']).toBe(1);
		expect(withSpaces.calls['ingest.fast.parse']).toBe(3);
		// 300 rows, watch_ms -1 on i = 7, 57, …, 257 (6 rows): 294 loaded; sum of the other i = 44 850 − (7+57+107+157+207+257 = 792) = 44 058;
		// liked on i % 3 = 0 among them: 100 minus i = 57, 207 (both multiples of 3) = 98; tz 60 on even i: 150 × 60 = 9 000 (the bad rows all have odd i).
		expect(compact.sums).toEqual({ n: '294', watch: '44058', liked: '98', tz: '9000' });
		expect(withSpaces.sums).toEqual(compact.sums);
		expect(withSpaces.dead).toEqual(compact.dead);
		expect(compact.dead).toHaveLength(6);
		expect(compact.r).toMatchObject({ rows_read: 300, rows_loaded: 294, rows_rejected: 6 });
	});

	it('keeps the chunks before it when a file turns non-canonical midway through an insert group', async () => {
		// 100-line chunks committed three at a time: the second chunk is written with spaces, so its canonical parse is
		// dropped (the first chunk's rows, already added to the group, stay) and it and the rest are read by the text rules.
		process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
		const spaced = (o: Record<string, unknown>) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
		const lines = [];
		for (let i = 0; i < 250; i++) lines.push((i < 100 ? JSON.stringify : spaced)(row(`mid${i}`, { watch_ms: i === 150 ? -1 : i })));
		const path = join(tmp, 'midway.ndjson');
		writeFileSync(path, lines.join('\n') + '\n');
		startQueryProfile();
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		const calls = Object.fromEntries(stopQueryProfile().map((p) => [p.tag, p.calls]));
		delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
		expect(calls['ingest.fast.canonical']).toBe(2);
		expect(calls['ingest.fast.parse']).toBe(2);
		expect(r).toMatchObject({ rows_read: 250, rows_loaded: 249, rows_rejected: 1, rows_duplicate: 0 });
		// Every row once: 0 + 1 + … + 249 = 31 125, without the rejected 150.
		const [sums] = await query<{ n: string; keys: string; watch: string }>(
			`SELECT toString(count()) AS n, toString(uniqExact(impression_id)) AS keys, toString(sum(watch_ms)) AS watch FROM impressions WHERE startsWith(impression_id, 'mid')`,
			{ tag: 'test' }
		);
		expect(sums).toEqual({ n: '249', keys: '249', watch: '30975' });
		expect((await letters(r!.run_id)).map((d) => [d.line, d.field])).toEqual([['151', 'watch_ms']]);
	});
});

describe("'latest wins' through the fast path", () => {
	it('keeps one row per key when it repeats in other chunks of the same insert group and of later groups', async () => {
		// 100-line chunks, inserted four at a time: lines 1–400 are one group, 401–800 the next.
		process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
		const events: string[] = [];
		const users: string[] = [];
		const user = (id: string, country: string) =>
			JSON.stringify({ user_id: id, signup_at: '2026-01-01T00:00:00.000Z', stripe_customer_id: '', country, is_internal: false });
		for (let i = 0; i < 700; i++) {
			// Line 51 repeats on line 251 (chunk 3, same group) and on line 651 (chunk 7, next group); line 301 repeats on line 451.
			const id = i === 250 || i === 650 ? 'gr50' : i === 450 ? 'gr300' : `gr${i}`;
			events.push(JSON.stringify(row(id, { watch_ms: 1000 + i })));
			users.push(user(i === 250 || i === 650 ? 'gu50' : i === 450 ? 'gu300' : `gu${i}`, i < 100 ? 'DE' : i < 500 ? 'FR' : 'IT'));
		}
		writeFileSync(join(tmp, 'groups.ndjson'), `${events.join('\n')}\n`);
		writeFileSync(join(tmp, 'groups-users.ndjson'), `${users.join('\n')}\n`);
		const [r] = await ingest({ source: 'engagement', paths: [join(tmp, 'groups.ndjson')], quiet: true });
		const [u] = await ingest({ source: 'users', paths: [join(tmp, 'groups-users.ndjson')], quiet: true });
		delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
		expect(r).toMatchObject({ rows_read: 700, rows_loaded: 697, rows_duplicate: 3, rows_rejected: 0 });
		// gu50 in the next group is a new version of the user (IT, not FR): it lands; gu300 repeats its stored row: a duplicate.
		expect(u).toMatchObject({ rows_read: 700, rows_loaded: 698, rows_duplicate: 2, rows_rejected: 0 });
		// Events keep the first line of a key; users the last ('latest wins').
		const kept = await query<{ id: string; watch_ms: number; n: string }>(
			`SELECT impression_id AS id, any(watch_ms) AS watch_ms, toString(count()) AS n FROM impressions WHERE impression_id IN ('gr50', 'gr300') GROUP BY id ORDER BY id`,
			{ tag: 'test' }
		);
		expect(kept).toEqual([
			{ id: 'gr300', watch_ms: 1300, n: '1' },
			{ id: 'gr50', watch_ms: 1050, n: '1' }
		]);
		expect(await query(`SELECT toString(count()) AS n FROM impressions WHERE impression_id LIKE 'gr%'`, { tag: 'test' })).toEqual([{ n: '697' }]);
		const countries = await query<{ id: string; country: string }>(
			`SELECT user_id AS id, country FROM users FINAL WHERE user_id IN ('gu50', 'gu300') ORDER BY id`,
			{ tag: 'test' }
		);
		expect(countries).toEqual([
			{ id: 'gu300', country: 'FR' },
			{ id: 'gu50', country: 'IT' }
		]);
	});

	it('keeps the last line of a key, also when a re-run of the same file finds the key missing', async () => {
		const user = (country: string) => JSON.stringify({ user_id: 'lw1', signup_at: '2026-01-01T00:00:00.000Z', stripe_customer_id: '', country, is_internal: false });
		const path = join(tmp, 'users-latest.ndjson');
		writeFileSync(path, `${user('DE')}\n${user('FR')}\n`);
		const country = async () =>
			(await query<{ country: string }>(`SELECT country FROM users FINAL WHERE user_id = 'lw1'`, { tag: 'test' })).map((r) => r.country);
		const [first] = await ingest({ source: 'users', paths: [path], quiet: true });
		expect(first).toMatchObject({ rows_read: 2, rows_loaded: 1, rows_duplicate: 1 });
		expect(await country()).toEqual(['FR']);
		// The row is gone (say, removed by hand); the same file again: a re-run, where only the key decides what is new.
		await command(`ALTER TABLE users DELETE WHERE user_id = 'lw1' SETTINGS mutations_sync = 2`, { tag: 'test' });
		const [again] = await ingest({ source: 'users', paths: [path], quiet: true });
		expect(again).toMatchObject({ rows_read: 2, rows_loaded: 1 });
		expect(await country()).toEqual(['FR']);
	});
});

describe('CSV (JavaScript reader)', () => {
	it('reports the line a record starts on, with its CSV text, after a record spanning lines', async () => {
		const header = 'impression_id,ts,user_id,session_id,video_id,watch_ms,video_duration_ms,position,surface,feed_mode,rec_arm,autoplay,liked,shared,commented,followed,not_interested,reported,country';
		const line = (id: string, watch: string, rec = 'control') =>
			`${id},2026-08-04T10:00:00.000Z,u1,s1,v1,${watch},15000,0,feed,default,${rec},true,false,false,false,false,false,false,US`;
		const csv = [header, line('c1', '100'), line('c2', '200', '"multi\nline arm"'), '', line('c3', '-7'), line('c4', '"400"')].join('\n');
		const path = join(tmp, 'engagement.csv');
		writeFileSync(path, csv);
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 4, rows_loaded: 3, rows_rejected: 1 });
		const dead = await letters(r!.run_id);
		// header 1, c1 2, c2 3–4, blank 5, c3 6.
		expect(dead).toEqual([{ line: '6', field: 'watch_ms', reason: 'watch_ms: must be ≥ 0, got -7', raw: line('c3', '-7') }]);
		const arms = await query<{ id: string; arm: string; watch_ms: number }>(
			`SELECT impression_id AS id, toString(rec_arm) AS arm, watch_ms FROM impressions WHERE impression_id LIKE 'c_' ORDER BY id`,
			{ tag: 'test' }
		);
		expect(arms).toEqual([
			{ id: 'c1', arm: 'control', watch_ms: 100 },
			{ id: 'c2', arm: 'multi\nline arm', watch_ms: 200 },
			{ id: 'c4', arm: 'control', watch_ms: 400 }
		]);
	});
});

describe('refused values are never converted', () => {
	it('a non-numeric decimal is a dead letter, not a failed chunk', async () => {
		const path = join(tmp, 'revenue.ndjson');
		writeFileSync(
			path,
			'{"date":"2026-08-05","country":"US","platform":"ios","ad_impressions":10,"revenue_usd":"abc"}\n{"date":"2026-08-05","country":"DE","platform":"ios","ad_impressions":10,"revenue_usd":"1.5"}\n'
		);
		const [r] = await ingest({ source: 'ad_revenue', paths: [path], quiet: true, maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 2, rows_loaded: 1, rows_rejected: 1, outcome: 'succeeded' });
		expect(r!.rejected_by_reason).toEqual([{ reason: 'revenue_usd: must be a decimal with at most 6 decimal places', count: 1 }]);
	});
});

describe('Parquet (typed columns read and checked by ClickHouse, no rewrite)', () => {
	it('loads the good rows and dead-letters a bad one with its row number as the line', async () => {
		const path = join(tmp, 'engagement.parquet');
		// Rows 1..5, row 3 with a negative watch time; written by ClickHouse with the engagement column types.
		await command(
			`INSERT INTO FUNCTION file({path:String}, 'Parquet')
			 SELECT concat('pq', toString(number + 1)) AS impression_id, toDateTime64('2026-08-06 10:00:00', 3, 'UTC') + number AS ts,
				'u1' AS user_id, 's1' AS session_id, 'v1' AS video_id, toInt64(if(number = 2, -5, 1000 + number)) AS watch_ms,
				toUInt32(15000) AS video_duration_ms, toUInt32(number) AS position, 'feed' AS surface, 'default' AS feed_mode,
				'control' AS rec_arm, true AS autoplay, false AS liked, false AS shared, false AS commented, false AS followed,
				false AS not_interested, false AS reported, 'US' AS country, 'web' AS platform, CAST(NULL AS Nullable(Int16)) AS tz_offset_min,
				false AS is_internal
			 FROM numbers(5)`,
			{ tag: 'test', params: { path } }
		);
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		expect(r).toMatchObject({ format: 'parquet', rows_read: 5, rows_loaded: 4, rows_rejected: 1 });
		const dead = await letters(r!.run_id);
		expect(dead.map((d) => [d.line, d.reason])).toEqual([['3', 'watch_ms: must be ≥ 0, got -5']]);
		const [row] = await query<{ ts: string; tz: number | null; platform: string }>(
			`SELECT toString(ts) AS ts, tz_offset_min AS tz, toString(platform) AS platform FROM impressions WHERE impression_id = 'pq5'`,
			{ tag: 'test' }
		);
		expect(row).toEqual({ ts: '2026-08-06 10:00:04.000', tz: null, platform: 'web' });
	});
	it('refuses a column of the wrong Parquet type row by row with the reason, never by casting, and reports extra columns', async () => {
		const path = join(tmp, 'types.parquet');
		// watch_ms as text, tz_offset_min as a float, user_id as a list; an extra column.
		await command(
			`INSERT INTO FUNCTION file({path:String}, 'Parquet')
			 SELECT concat('pt', toString(number + 1)) AS impression_id, toDateTime('2026-08-06 10:00:00', 'UTC') + number AS ts,
				if(number = 3, ['a', 'b'], ['u1']) AS user_id, 's1' AS session_id, 'v1' AS video_id,
				[ '1000', '0012', 'abc', '5', '7' ][number + 1] AS watch_ms,
				toUInt32(15000) AS video_duration_ms, toUInt32(number) AS position, 'feed' AS surface, 'default' AS feed_mode,
				'control' AS rec_arm, true AS autoplay, false AS liked, false AS shared, false AS commented, false AS followed,
				false AS not_interested, false AS reported, [1.0, 1.5, 2.0, 3.0, NULL][number + 1] AS tz_offset_min, 'x' AS note
			 FROM numbers(5)`,
			{ tag: 'test', params: { path } }
		);
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		expect(r).toMatchObject({ format: 'parquet', rows_read: 5, rows_loaded: 0, rows_rejected: 5, extra_columns: ['note'] });
		const dead = await letters(r!.run_id);
		expect(dead.map((d) => [d.line, d.reason])).toEqual([
			['1', 'user_id: must be a string, got ["u1"]'],
			['2', 'tz_offset_min: must be an integer, got 1.5'],
			['2', 'user_id: must be a string, got ["u1"]'],
			['3', 'user_id: must be a string, got ["u1"]'],
			['3', 'watch_ms: must be an integer, got "abc"'],
			['4', 'user_id: must be a string, got ["a","b"]'],
			['5', 'user_id: must be a string, got ["u1"]']
		]);
		// The raw text shows the whole row, as the JSON object it is read as.
		expect(JSON.parse(dead[0]!.raw)).toMatchObject({ impression_id: 'pt1', ts: '2026-08-06T10:00:00.000Z', watch_ms: '1000', note: 'x' });
	});

	it('loads a file whose types differ from the table but whose values fit, as the NDJSON rules read them', async () => {
		const path = join(tmp, 'loose.parquet');
		// Text ids given as integers, counts as text and as Int8, a time without milliseconds, booleans as UInt8.
		await command(
			`INSERT INTO FUNCTION file({path:String}, 'Parquet')
			 SELECT 9000 + number AS impression_id, toDateTime('2026-08-07 10:00:00', 'UTC') + number AS ts,
				number AS user_id, 's1' AS session_id, 'v1' AS video_id, toString(1000 + number) AS watch_ms,
				toInt8(15) AS video_duration_ms, toUInt32(number) AS position, 'feed' AS surface, 'default' AS feed_mode,
				'control' AS rec_arm, toUInt8(1) AS autoplay, toUInt8(0) AS liked, false AS shared, false AS commented, false AS followed,
				false AS not_interested, false AS reported
			 FROM numbers(3)`,
			{ tag: 'test', params: { path } }
		);
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 3, rows_loaded: 3, rows_rejected: 0 });
		const rows = await query<{ id: string; ts: string; user_id: string; watch_ms: number; autoplay: boolean }>(
			`SELECT impression_id AS id, toString(ts) AS ts, user_id, watch_ms, autoplay FROM impressions WHERE startsWith(impression_id, '900') ORDER BY id`,
			{ tag: 'test' }
		);
		expect(rows[2]).toEqual({ id: '9002', ts: '2026-08-07 10:00:02.000', user_id: '2', watch_ms: 1002, autoplay: true });
	});

	it('refuses a file without a required column at once, naming it', async () => {
		const path = join(tmp, 'partial.parquet');
		await command(`INSERT INTO FUNCTION file({path:String}, 'Parquet') SELECT 'x' AS impression_id, 'u' AS user_id FROM numbers(1000)`, {
			tag: 'test',
			params: { path }
		});
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true });
		expect(r).toMatchObject({ outcome: 'failed', rows_read: 0, rows_loaded: 0 });
		expect(r!.message).toMatch(/partial\.parquet: required columns ts, session_id, .* missing from the Parquet file's columns/);
	});

	it('refuses a file that is not Parquet with a clear message', async () => {
		const path = join(tmp, 'fake.parquet');
		writeFileSync(path, 'PAR1 not really');
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true });
		expect(r).toMatchObject({ outcome: 'failed', rows_loaded: 0 });
		expect(r!.message).toMatch(/fake\.parquet: is not a readable Parquet file/);
	});
});

/** A dry run (and a source whose rules do not render to SQL) reads Parquet on the JavaScript path, rewritten as NDJSON first: that rewrite keeps its caps. */
describe('Parquet rewritten as NDJSON for the JavaScript path is bounded', () => {
	/** Tens of KB of Parquet: 5 M nearly identical 200-byte rows compress to almost nothing and expand to about 1.2 GB of NDJSON. */
	async function bomb(name: string): Promise<string> {
		const path = join(tmp, name);
		await command(
			`INSERT INTO FUNCTION file({path:String}, 'Parquet')
			 SELECT concat('bomb', toString(number % 2)) AS impression_id, repeat('z', 200) AS user_id FROM numbers(5000000)
			 SETTINGS output_format_parquet_row_group_size = 500000, max_threads = 1`,
			{ tag: 'test', params: { path } }
		);
		return path;
	}
	const tmpFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('loopmeter-parquet-'));

	it('refuses a small, highly compressed file once its NDJSON passes the expansion cap, naming the file, and leaves no spool behind', async () => {
		const path = await bomb('bomb.parquet');
		const size = statSync(path).size;
		// Small enough that 100 × its size is under the 16 MB floor: the floor is the cap.
		expect(size * 100).toBeLessThan(16 * 2 ** 20);
		const before = tmpFiles();
		const started = performance.now();
		const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%', dryRun: true });
		expect(performance.now() - started).toBeLessThan(20_000);
		expect(r).toMatchObject({ format: 'parquet', outcome: 'failed', rows_loaded: 0 });
		expect(parquetSpoolCap(size)).toBe(16 * 2 ** 20);
		expect(r!.message).toMatch(/bomb\.parquet: expands to more than 16 MB of rows when converted from Parquet/);
		expect(r!.message).toContain('LOOPMETER_PARQUET_MAX_EXPANSION');
		expect(tmpFiles()).toEqual(before);
	});

	it('stops a conversion that runs past LOOPMETER_PARQUET_TIMEOUT_S', async () => {
		const path = await bomb('slow.parquet');
		process.env.LOOPMETER_PARQUET_TIMEOUT_S = '1';
		process.env.LOOPMETER_PARQUET_MAX_EXPANSION = '1000000';
		try {
			const started = performance.now();
			const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%', dryRun: true });
			expect(performance.now() - started).toBeLessThan(15_000);
			expect(r).toMatchObject({ outcome: 'failed', rows_loaded: 0 });
			expect(r!.message).toMatch(/slow\.parquet: took longer than 1 s to convert from Parquet/);
		} finally {
			delete process.env.LOOPMETER_PARQUET_TIMEOUT_S;
			delete process.env.LOOPMETER_PARQUET_MAX_EXPANSION;
		}
	});

	it('caps the expansion by the absolute limit too, and by the ratio above the floor', () => {
		const s = { LOOPMETER_PARQUET_MAX_EXPANSION: 100, LOOPMETER_PARQUET_MAX_NDJSON_BYTES: 2 ** 30 } as Parameters<typeof parquetSpoolCap>[1];
		expect(parquetSpoolCap(1_000_000, s)).toBe(100_000_000);
		expect(parquetSpoolCap(100_000_000, s)).toBe(2 ** 30);
		expect(parquetSpoolCap(10, s)).toBe(16 * 2 ** 20);
	});
});

describe('a new file is hashed beside its load', () => {
	it('names the file by its hash in the run record and every dead letter, and a re-run of it adds nothing', async () => {
		process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
		const lines: string[] = [];
		for (let i = 0; i < 700; i++) lines.push(JSON.stringify(row(`hb${i}`, i % 97 === 5 ? { watch_ms: -1 } : {})));
		const path = join(tmp, 'hashed-beside.ndjson');
		writeFileSync(path, `${lines.join('\n')}\n`);
		const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
		try {
			startQueryProfile();
			const [first] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
			const firstCalls = Object.fromEntries(stopQueryProfile().map((p) => [p.tag, p.calls]));
			expect(first).toMatchObject({ file_hash: hash, rows_read: 700, rows_loaded: 692, rows_rejected: 8, outcome: 'succeeded' });
			// No run had a file of this size, so no run was looked up by hash before loading.
			expect(firstCalls['ingest.runs.size']).toBe(1);
			expect(firstCalls['ingest.runs.last']).toBeUndefined();
			const runs = await query<{ file_hash: string; chunks_done: number }>(
				`SELECT file_hash, chunks_done FROM ingest_runs FINAL WHERE run_id = {id:String}`,
				{ tag: 'test', params: { id: first!.run_id } }
			);
			expect(runs).toEqual([{ file_hash: hash, chunks_done: 7 }]);
			const stored = await query<{ file_hash: string; n: string }>(
				`SELECT file_hash, toString(count()) AS n FROM dead_letters FINAL WHERE run_id = {id:String} GROUP BY file_hash`,
				{ tag: 'test', params: { id: first!.run_id } }
			);
			expect(stored).toEqual([{ file_hash: hash, n: '8' }]);

			// The same bytes again: recognised by their hash, nothing loaded, the dead letters not stored twice.
			startQueryProfile();
			const [again] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '100%' });
			expect(Object.fromEntries(stopQueryProfile().map((p) => [p.tag, p.calls]))['ingest.runs.last']).toBe(1);
			expect(again).toMatchObject({ file_hash: hash, rows_loaded: 0, rows_duplicate: 692, rows_rejected: 8 });
			const total = await query<{ n: string }>(`SELECT toString(count()) AS n FROM dead_letters FINAL WHERE file_hash = {h:String}`, {
				tag: 'test',
				params: { h: hash }
			});
			expect(total).toEqual([{ n: '8' }]);
		} finally {
			delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
		}
	});
});
