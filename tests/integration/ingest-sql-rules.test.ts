import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { sources } from '../../ingest/sources/index.js';
import { canonicalPathSql, fastPathParams, fastPathSql, REFUSED_NOT_OBJECT, type FastPathSql } from '../../ingest/sql-rules.js';
import { compileValidator } from '../../ingest/validate.js';
import { ruleOf } from '../../ingest/fields.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import type { FileSource } from '../../src/lib/contracts/ingest.js';
import { engagementRecord } from '../helpers/rows.js';

/**
 * The SQL rendering of the column rules (ingest/sql-rules.ts) against the zod
 * rules it is rendered from, row by row:
 *   - SQL accepts a row ⇒ zod accepts it, and SQL's values are zod's values;
 *   - zod rejects a row ⇒ SQL refuses it, naming one of the fields zod names;
 *   - canonical rows (what exporters write) are accepted by SQL, so the fast
 *     path really is the common path.
 * Rows zod accepts only after converting them (a number in a string, a time
 * with an offset) are refused by SQL on purpose and loaded by the JavaScript
 * validator; they are listed here so the set cannot grow silently.
 */

useTempWarehouse('loopmeter-sql-rules-');
const tmp = mkdtempSync(join(tmpdir(), 'loopmeter-sql-rules-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ingest', name), 'utf8');

interface Verdict {
	line: number;
	refused: string;
	values: Record<string, string | null>;
}

/** Runs the rendered SQL over lines; `keys` = the expected key layout ([] = look every key up). */
async function sqlVerdicts(source: FileSource, lines: string[], keys: string[], sql: FastPathSql = fastPathSql(sources[source])!): Promise<Verdict[]> {
	const spec = sources[source];
	const path = join(tmp, `${source}-${Math.random().toString(36).slice(2)}.ndjson`);
	writeFileSync(path, lines.join('\n') + '\n');
	// Values as the table stores them: cast to its column types, then printed.
	const types = await query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}`, {
		tag: 'test',
		params: { t: spec.table }
	});
	const typeOf = new Map(types.map((t) => [t.name, t.type]));
	const cols = spec.columnNames.map((c) => `if(${c} IS NULL, NULL, toString(CAST(${c} AS ${typeOf.get(c)}))) AS ${c}`).join(', ');
	const rows = await query<Record<string, string | null> & { _line: string; _refused: string }>(
		`SELECT toString(_line) AS _line, _refused, ${cols} FROM (${sql.query(`file({path:String}, 'LineAsString')`)}) ORDER BY _line`,
		{ tag: 'test', params: { ...fastPathParams(spec, 1, keys), ...sql.params, path } }
	);
	return rows.map(({ _line, _refused, ...values }) => ({ line: Number(_line), refused: _refused, values }));
}

/** zod's output value as ClickHouse's toString of the stored value prints it. */
function printed(v: unknown, column: string, spec: (typeof sources)[FileSource]): string | null {
	if (v === null) return null;
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	const s = String(v);
	// Decimal columns print without trailing fractional zeros: "840.50" is stored as 840.5.
	const rule = (spec.columns.shape as Record<string, unknown>)[column];
	if (rule && decimalColumns.has(rule) && s.includes('.')) return s.replace(/0+$/, '').replace(/\.$/, '');
	return s;
}
const decimalColumns = new Set<unknown>(
	Object.values(sources).flatMap((spec) => Object.values(spec.columns.shape as Record<string, never>).filter((c) => ruleOf(c).kind === 'decimal'))
);

/**
 * Checks the two directions on `lines`; returns the lines only zod accepts
 * (refused by SQL, loaded by JavaScript) and the lines the canonical path
 * accepts (for it only the first direction holds: it refuses every line that
 * is not spelled exactly as it would print it, whatever zod says).
 */
async function agree(source: FileSource, lines: string[]): Promise<{ onlyZod: string[]; canonical: string[] }> {
	const spec = sources[source];
	const validate = compileValidator(spec);
	const firstKeys = Object.keys(JSON.parse(lines[0]!) as object);
	const byLayout = await sqlVerdicts(source, lines, firstKeys);
	const bySearch = await sqlVerdicts(source, lines, []);
	// Finding values by position or by searching the keys gives the same answers.
	expect(byLayout).toEqual(bySearch);
	const canonicalSql = canonicalPathSql(spec, firstKeys);
	const byPrint = canonicalSql ? await sqlVerdicts(source, lines, firstKeys, canonicalSql) : [];
	const canonical: string[] = [];
	for (const [i, text] of lines.entries()) {
		const print = byPrint.find((v) => v.line === i + 1);
		if (!print || print.refused !== '') continue;
		const zod = spec.schema.safeParse(JSON.parse(text));
		expect(zod.success, `the canonical path accepted a row zod rejects: ${text}`).toBe(true);
		const fast = validate(JSON.parse(text) as Record<string, unknown>);
		expect(print.values, text).toEqual(Object.fromEntries(spec.columnNames.map((c, j) => [c, printed(fast.row![j], c, spec)])));
		canonical.push(text);
	}
	const onlyZod: string[] = [];
	for (const [i, text] of lines.entries()) {
		const sql = byLayout.find((v) => v.line === i + 1);
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			value = undefined;
		}
		const isObject = !!value && typeof value === 'object' && !Array.isArray(value);
		const zod = isObject ? spec.schema.safeParse(value) : undefined;
		const fast = isObject ? validate(value as Record<string, unknown>) : undefined;
		if (!sql) throw new Error(`SQL lost line ${i + 1}: ${text}`);
		if (sql.refused === '') {
			expect(zod?.success, `SQL accepted a row zod rejects: ${text}`).toBe(true);
			const expected = Object.fromEntries(spec.columnNames.map((c, j) => [c, printed(fast!.row![j], c, spec)]));
			expect(sql.values, text).toEqual(expected);
		} else if (zod?.success) {
			onlyZod.push(text);
		} else if (zod) {
			// Refused, which is all that matters: the JavaScript validator then names the fields and reasons.
			expect(sql.refused, text).not.toBe('');
		} else {
			expect(sql.refused, text).toBe(REFUSED_NOT_OBJECT);
		}
	}
	return { onlyZod, canonical };
}

const base = engagementRecord({ impression_id: 'e1', watch_ms: 1200, country: 'US', platform: 'ios', tz_offset_min: -300, is_internal: false });
const id = (l: string) => (JSON.parse(l) as { impression_id: string }).impression_id;
const variant = (k: string, change: Record<string, unknown>, drop: string[] = []) => {
	const o: Record<string, unknown> = { ...base, impression_id: k, ...change };
	for (const d of drop) delete o[d];
	return JSON.stringify(o);
};

/** One change per line, covering every rule kind's edges. */
const engagementEdges = [
	JSON.stringify(base),
	variant('a1', { watch_ms: 0 }),
	variant('a2', { watch_ms: -1 }),
	variant('a3', { watch_ms: 4_294_967_295 }),
	variant('a4', { watch_ms: 4_294_967_296 }),
	variant('a5', { watch_ms: 1.5 }),
	variant('a6', { watch_ms: '3000' }),
	variant('a7', { watch_ms: 'abc' }),
	variant('a8', { watch_ms: null }),
	variant('a9', {}, ['watch_ms']),
	variant('b1', { video_duration_ms: 0 }),
	variant('b2', { video_duration_ms: 1 }),
	variant('c1', { ts: '2026-06-01T10:00:00Z' }),
	variant('c2', { ts: '2026-02-29T10:00:00.000Z' }),
	variant('c3', { ts: '2028-02-29T23:59:59.999Z' }),
	variant('c4', { ts: '2026-06-01T24:00:00.000Z' }),
	variant('c5', { ts: '1999-12-31T23:59:59.999Z' }),
	variant('c6', { ts: '2000-01-01T00:00:00.000Z' }),
	variant('c7', { ts: '2100-01-01T00:00:00.000Z' }),
	variant('c8', { ts: '2100-01-01T00:00:00.001Z' }),
	variant('c9', { ts: 1780308000000 }),
	variant('d1', { ts: '2026-06-01T12:00:00.000+02:00' }),
	variant('d2', { ts: '' }),
	variant('d3', { ts: null }),
	variant('e2', { surface: 'tv' }),
	variant('e3', { surface: 'Feed' }),
	variant('e4', { surface: 1 }),
	variant('f1', { autoplay: 'true' }),
	variant('f2', { autoplay: 1 }),
	variant('f3', { autoplay: 0 }),
	variant('f4', { autoplay: 'yes' }),
	variant('f5', { autoplay: 'maybe' }),
	variant('f6', { autoplay: 2 }),
	variant('f7', { liked: null }),
	variant('g1', { country: 'usa' }),
	variant('g2', { country: '' }),
	variant('g3', { country: null }),
	variant('g4', { country: 'de' }),
	variant('h1', { platform: 'web' }),
	variant('h2', { platform: 'tv' }),
	variant('h3', {}, ['platform', 'country', 'tz_offset_min', 'is_internal']),
	variant('i1', { tz_offset_min: 840 }),
	variant('i2', { tz_offset_min: 841 }),
	variant('i3', { tz_offset_min: null }),
	variant('j1', { user_id: 12345 }),
	variant('j2', { user_id: 12345678901234567890 }),
	variant('j3', { user_id: 'with "quotes"' }),
	variant('j4', { user_id: 'ünïcödé ✓' }),
	variant('j5', { user_id: '' }),
	variant('j6', { user_id: ['u1'] }),
	variant('j7', { user_id: { id: 1 } }),
	variant('k1', { app_version: '3.1' }),
	JSON.stringify({ ...base, impression_id: 'k2' }).replace('"watch_ms":1200', '"watch_ms":1e3'),
	JSON.stringify({ ...base, impression_id: 'k3' }).replace('"user_id":"u1"', '"user_id":"first","user_id":"last"'),
	JSON.stringify({ ...base, impression_id: 'k4' }).replace('"u1"', '"\\u0075\\u0031"'),
	'{"impression_id":"k5", "ts": ',
	'[1,2,3]',
	'"just a string"',
	'{}'
];

describe('SQL rules and zod rules agree', () => {
	it('engagement: the fixture file and every edge of every rule kind', async () => {
		const lines = [...fixture('engagement.ndjson').split('\n').filter((l) => l.trim() !== ''), ...engagementEdges];
		const { onlyZod, canonical } = await agree('engagement', lines);
		// Accepted by zod only after converting them, so left to the JavaScript validator:
		// i3 (numbers in strings, a time with an offset, 0/1 booleans: its ts decides); c1 a time without milliseconds; c4 24:00 (next midnight);
		// c9 and i2 epoch milliseconds; d1 a time with an offset; j2 an id as a number beyond 2^53
		// (JSON.parse rounds it); j3 an escaped quote; k3 a key given twice (JSON.parse keeps the last).
		// Accepted by SQL, so not listed: integers in strings (a6), every boolean spelling of fields.ts (f1–f4), \u escapes (k4), 1e3 (k2).
		expect(onlyZod.map((l) => (JSON.parse(l) as { impression_id: string }).impression_id).sort()).toEqual(
			['c1', 'c4', 'c9', 'd1', 'i2', 'i3', 'j2', 'j3', 'k3'].sort()
		);
		// With the fixture's layout (its first line has an extra key) the canonical path takes only the lines with that layout.
		expect(canonical.map(id).sort()).toEqual(['i1', 'k1']);
	});

	it('engagement, canonical path: the edges in the layout of their first line', async () => {
		const { canonical } = await agree('engagement', engagementEdges);
		// Taken: values written as JSON.stringify writes them, in the first line's key order, that pass the rules.
		// Not taken, though zod accepts some of them: numbers or booleans in strings (a6, f1), 0/1 booleans (f2, f3),
		// 1e3 (k2), a time without milliseconds or with an offset (c1, d1), null for a text column (g3), escapes (j3, k4),
		// ids as numbers (j1), a missing or extra key (a9, h3, k1), a key given twice (k3).
		expect(canonical.map(id).sort()).toEqual(['e1', 'a1', 'a3', 'b2', 'c3', 'c6', 'c7', 'g2', 'h1', 'i1', 'i3', 'j4'].sort());
	});

	it('users, canonical path: blank and present values of columns with defaults', async () => {
		const line = (id: string, over: Record<string, unknown> = {}) =>
			JSON.stringify({ user_id: id, signup_at: '2026-01-01T00:00:00.000Z', stripe_customer_id: 'cus_1', country: 'US', is_internal: false, ...over });
		const lines = [
			line('u1'),
			line('u2', { stripe_customer_id: '', country: '', is_internal: null }),
			line('u3', { is_internal: true }),
			line('u3n', { stripe_customer_id: null, country: null }),
			line('u4', { country: 'us' }),
			line('', {}),
			line('u6', { signup_at: null }),
			line('u7', { signup_at: '1999-12-31T23:59:59.999Z' }),
			line('u8', { is_internal: 1 })
		];
		const { canonical } = await agree('users', lines);
		// u3n: null for text prints as "" (JavaScript loads it); u4: lowercase country; an empty id; u6: a required time null;
		// u7: before 2000; u8: 1 for a boolean (JavaScript decides).
		expect(canonical.map((l) => (JSON.parse(l) as { user_id: string }).user_id)).toEqual(['u1', 'u2', 'u3']);
	});

	it.each([
		['users', 'users.csv'],
		['ad_revenue', 'ad_revenue.csv']
	] as [FileSource, string][])('%s: the CSV fixture rows as NDJSON objects of strings', async (source, file) => {
		const parsed = Papa.parse<Record<string, string>>(fixture(file).trim(), { header: true });
		const lines = parsed.data.map((r) => JSON.stringify(r));
		// Values a refused row must never try to convert (a Decimal cast of "abc" would fail the whole chunk).
		if (source === 'ad_revenue') lines.push('{"date":"2026-13-45","country":"US","platform":"ios","ad_impressions":"12345678901234567890","revenue_usd":"abc"}');
		// Every value is a string here, so the canonical path refuses the numbers and booleans and loads no row.
		await agree(source, lines);
	});

	it('renders only sources whose every rule it can render', () => {
		expect(Object.entries(sources).filter(([, s]) => fastPathSql(s)).map(([k]) => k).sort()).toEqual(['ad_revenue', 'engagement', 'fx_rates', 'gpu_price_sheets', 'users']);
	});
});
