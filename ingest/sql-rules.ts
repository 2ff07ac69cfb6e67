import type { z } from 'zod';
import { clickhouseTime, ruleOf, type ColumnRule, type Range } from './fields.js';
import type { SourceSpec } from './sources/index.js';

/**
 * The column rules of a source (ingest/fields.ts, the same objects its zod
 * schema is built from) rendered as ClickHouse expressions over one NDJSON
 * line, so ClickHouse can parse and check the common, well-formed row in C++.
 *
 * The SQL is a pre-filter, never the authority: it accepts only the canonical
 * spelling of each value (a JSON string for text, a bare integer for an int,
 * `true`/`false`…, 'YYYY-MM-DDTHH:MM:SS.mmmZ' for a time) and refuses
 * everything else, including values zod would accept after converting them.
 * Refused lines go back to the JavaScript validator, which loads them or
 * writes the dead letter with the exact reason. So SQL-accepted ⇒ zod-accepted
 * with the same stored value, and zod-rejected ⇒ SQL-refused
 * (tests/unit/ingest-sql-rules.test.ts checks both on every fixture row).
 *
 * Each line is parsed once: JSONExtractKeysAndValuesRaw gives every key with
 * its value re-serialized as JSON text (strings keep their quotes, so a string
 * is told from a number; numbers are normalized, 1e3 → 1000, which is also what
 * JSON.parse makes of them). A key given twice is refused: JSON.parse keeps the
 * last one, ClickHouse's extractors the first.
 */

/** Why SQL refused a row, in `_refused`: a column name, or one of these. */
export const REFUSED_NOT_OBJECT = '(not a JSON object)';
export const REFUSED_DUPLICATE_KEY = '(duplicate key)';

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A JS number as an SQL literal (ranges are finite numbers from the source specs). */
const num = (n: number) => {
	if (!Number.isFinite(n)) throw new Error(`range bound ${n} is not finite`);
	return String(n);
};

/** JSON text of a bare integer that JSON.parse reads exactly (at most 15 digits, below 2^53). */
const SAFE_INT = `'^-?[0-9]{1,15}$'`;
/** JSON text of a finite number (ClickHouse re-serializes numbers in this form). */
const NUMBER = `'^-?[0-9]+(\\\\.[0-9]+)?([eE][-+]?[0-9]+)?$'`;
/** The decimal rule of fields.ts: at most 12 integer and 6 fractional digits. */
const DECIMAL = `'^-?[0-9]{1,12}(\\\\.[0-9]{1,6})?$'`;
const CANONICAL_TIME = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{3}Z$'`;
const ISO_DATE = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`;

interface Rendered {
	/** Bool: the value is accepted as written. */
	ok: string;
	/** The value to store (only read when `ok`). */
	value: string;
}

/** JavaScript's RegExp source as RE2 (ClickHouse's `match`): only the plain subset both read alike. */
function re2(pattern: RegExp): string {
	if (pattern.flags.replace(/[gy]/g, '') !== '') throw new Error(`pattern ${pattern} has flags ClickHouse cannot mirror`);
	if (/\\[dDwWsSbB]|\(\?[=!<]|\\[1-9]/.test(pattern.source)) throw new Error(`pattern ${pattern} uses syntax not rendered to SQL`);
	return lit(pattern.source);
}

function rangeSql(x: string, r: Range): string {
	const parts: string[] = [];
	if (r.min !== undefined) parts.push(`${x} >= ${num(r.min)}`);
	if (r.above !== undefined) parts.push(`${x} > ${num(r.above)}`);
	if (r.max !== undefined) parts.push(`${x} <= ${num(r.max)}`);
	return parts.length ? parts.join(' AND ') : 'true';
}

/** A JSON value as ClickHouse re-serializes it: JSON.stringify gives the same text for strings without escapes, booleans and integers. */
function jsonText(v: unknown): string {
	const t = JSON.stringify(v);
	if (t === undefined) throw new Error(`cannot render ${String(v)} as JSON`);
	return t;
}

function presentOr(blank: string, hasDefault: boolean, defaultSql: string, whenPresent: Rendered): Rendered {
	return {
		ok: `if(${blank}, ${hasDefault ? 'true' : 'false'}, ${whenPresent.ok})`,
		value: hasDefault ? `if(${blank}, ${defaultSql}, ${whenPresent.value})` : whenPresent.value
	};
}

/**
 * One column: `r` is its raw JSON text ('' when the key is absent). Blank =
 * absent, null or "" (fields.ts isBlank). Strings containing a backslash
 * escape are refused (left to JSON.parse) so an escape is never read twice.
 */
export function renderColumn(rule: ColumnRule, r: string): Rendered | undefined {
	const blank = `${r} IN ('', 'null', '""')`;
	const isStr = `(startsWith(${r}, '"') AND position(${r}, '\\\\') = 0)`;
	const str = `substring(${r}, 2, length(${r}) - 2)`;
	switch (rule.kind) {
		case 'text': {
			// Ids exported as bare numbers are text too (String(n) in fields.ts; same digits for a safe integer).
			const s = `if(startsWith(${r}, '"'), ${str}, ${r})`;
			const shape = `(${isStr} OR match(${r}, ${SAFE_INT}))`;
			const ok = rule.pattern ? `${shape} AND match(${s}, ${re2(rule.pattern)})` : shape;
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), { ok, value: s });
		}
		case 'oneOf':
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), {
				ok: `${isStr} AND ${str} IN (${rule.values.map(lit).join(', ')})`,
				value: str
			});
		case 'int': {
			// A bare integer, or one in a string (how CSV cells arrive): fields.ts reads "007" as 7, so does toInt64.
			const s = `if(startsWith(${r}, '"'), ${str}, ${r})`;
			const n = `toInt64OrNull(${s})`;
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), {
				ok: `match(${s}, ${SAFE_INT}) AND ${rangeSql(n, rule.range)}`,
				value: n
			});
		}
		case 'float': {
			const n = `toFloat64OrNull(${r})`;
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), {
				ok: `match(${r}, ${NUMBER}) AND isFinite(${n}) AND ${rangeSql(n, rule.range)}`,
				value: n
			});
		}
		case 'decimal': {
			// A JSON number is read by its shortest form (String(n) in fields.ts), which is how ClickHouse re-serializes it.
			const s = `if(startsWith(${r}, '"'), ${str}, ${r})`;
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), {
				ok: `(${isStr} OR match(${r}, ${NUMBER})) AND match(${s}, ${DECIMAL}) AND ${rangeSql(`toFloat64OrZero(${s})`, rule.range)}`,
				value: s
			});
		}
		case 'bool': {
			const t = rule.truthy.map((v) => lit(jsonText(v))).join(', ');
			const f = rule.falsy.map((v) => lit(jsonText(v))).join(', ');
			const value = `${r} IN (${t})`;
			return presentOr(blank, rule.default !== undefined, defaultOf(rule), { ok: `${r} IN (${t}, ${f})`, value });
		}
		case 'timestamp': {
			// Canonical 'YYYY-MM-DDTHH:MM:SS.mmmZ' only; it must print back identically (no 02-30 or 24:00 rolled over) and lie in range.
			const spaced = `concat(substring(${r}, 2, 10), ' ', substring(${r}, 13, 12))`;
			const t = `toDateTime64OrNull(${spaced}, 3, 'UTC')`;
			const ok = `${isStr} AND match(${str}, ${CANONICAL_TIME}) AND toString(${t}) = ${spaced} AND ${t} BETWEEN toDateTime64(${lit(clickhouseTime(rule.min))}, 3, 'UTC') AND toDateTime64(${lit(clickhouseTime(rule.max))}, 3, 'UTC')`;
			return rule.optional ? presentOr(blank, true, defaultOf(rule), { ok, value: t }) : { ok: `NOT (${blank}) AND ${ok}`, value: t };
		}
		case 'date': {
			const d = `toDateOrNull(${str})`;
			return {
				ok: `NOT (${blank}) AND ${isStr} AND match(${str}, ${ISO_DATE}) AND toString(${d}) = ${str} AND ${str} >= '2000-01-01' AND ${str} < '2100-01-01'`,
				value: d
			};
		}
		case 'textList':
			return undefined;
	}
}

export interface FastPathSql {
	/**
	 * SELECT over `from` (a LineAsString read: `line`, `_row_number` 0-based)
	 * giving `_line` (line number: `_row_number` + the {first:UInt64}
	 * parameter), `_refused` ('' = accepted, else the first refusing column),
	 * `_raw` (the line, kept only when refused), then every column of the source
	 * in `spec.columnNames` order. {keys:Array(String)} is the key order most
	 * lines are expected to have (the first line's): those lines find their
	 * values by position instead of searching each key.
	 */
	query: (from: string) => string;
	/** Column list matching the SELECT, for INSERT INTO stage (…). */
	columns: string[];
	/** Query parameters of its own, beside fastPathParams. */
	params?: Record<string, unknown>;
}

/** Each column's rule rendered over `_c{i}` (its JSON text), or undefined when one cannot be rendered. */
function renderedColumns(spec: SourceSpec): [string, Rendered][] | undefined {
	if (spec.rules || spec.wholeFile) return undefined;
	const shape = spec.columns.shape as Record<string, z.ZodType>;
	const rendered: [string, Rendered][] = [];
	for (const [i, name] of spec.columnNames.entries()) {
		const r = renderColumn(ruleOf(shape[name]!), `_c${i}`);
		if (!r) return undefined;
		rendered.push([name, r]);
	}
	return rendered;
}

/**
 * The two checking layers every format shares, over `from`: a subquery giving
 * `carry` (at least `_row_number`) and `_c{i}`, the JSON text of column i as
 * the NDJSON rules read it ('' when absent). `refusedFirst` are (condition,
 * reason) pairs checked before the columns (the row's own shape); `rawSql` is
 * the row's text, evaluated only for a refused row.
 */
function checkLayers(rendered: [string, Rendered][], opts: { from: string; carry: string[]; refusedFirst: string; rawSql: string; line: string }): string {
	const refused = `multiIf(${opts.refusedFirst}${rendered.map(([name], i) => `NOT _ok${i}, ${lit(name)}`).join(', ')}, '')`;
	// A refused value is never converted (NULL, then the column default): "abc" must not reach a Decimal cast.
	return `SELECT
	${opts.line} AS _line,
	${refused} AS _refused,
	if(_refused = '', '', ${opts.rawSql}) AS _raw,
	${rendered.map(([name, r], i) => `if(_ok${i}, ${r.value}, NULL) AS ${name}`).join(',\n\t')}
FROM (
	SELECT ${opts.carry.join(', ')}, ${rendered.map((_, i) => `_c${i}`).join(', ')}, ${rendered.map(([, r], i) => `${r.ok} AS _ok${i}`).join(', ')}
	FROM (${opts.from})
)`;
}

/**
 * The fast-path SQL of a source, or undefined when part of its rules cannot be
 * rendered (cross-column rule functions, cross-row rules, list columns): such
 * sources keep the JavaScript path for every row.
 *
 * Layered subqueries on purpose: each layer's columns are computed once before
 * the next layer's conditionals read them. In one flat SELECT, ClickHouse's
 * short-circuit evaluation of multiIf re-ran the shared JSON parse inside every
 * lazy branch (measured: 28 CPU s instead of ~4 for 1 M lines).
 */
export function fastPathSql(spec: SourceSpec): FastPathSql | undefined {
	const rendered = renderedColumns(spec);
	if (!rendered) return undefined;
	const names = spec.columnNames;
	// Where column i sits in the expected layout (0 = absent from it: then search).
	const lookups = names.map((name, i) => `_v[if(_same AND {at${i}:UInt32} > 0, {at${i}:UInt32}, indexOf(_k, ${lit(name)}))] AS _c${i}`);
	const query = (from: string) =>
		checkLayers(rendered, {
			line: '_row_number + {first:UInt64}',
			rawSql: 'line',
			carry: ['_row_number', 'line', '_k', '_same'],
			refusedFirst: `empty(_k), ${lit(REFUSED_NOT_OBJECT)}, NOT _same AND length(arrayDistinct(_k)) != length(_k), ${lit(REFUSED_DUPLICATE_KEY)}, `,
			from: `SELECT _row_number, line, _k, _same, ${lookups.join(', ')}
		FROM (
			SELECT _row_number, line, _kv.1 AS _k, _kv.2 AS _v, _k = {keys:Array(String)} AS _same
			FROM (SELECT _row_number, line, JSONExtractKeysAndValuesRaw(line) AS _kv FROM ${from} WHERE line != '')
		)`
		});
	return { query, columns: ['_line', '_refused', '_raw', ...names] };
}

/**
 * Settings under which a Parquet row prints as the NDJSON line it used to be
 * rewritten to (times ISO-8601 UTC, integers bare, decimals quoted, a row as
 * an object of its column names), so the JSON-text rules and the JavaScript
 * validator read each value exactly as before. Forward slashes stay
 * unescaped: JSON.parse reads "a/b" and "a\/b" alike, and the SQL rules leave
 * any escaped string to JavaScript.
 */
export const PARQUET_JSON_SETTINGS =
	"enable_named_columns_in_function_tuple = 1, output_format_json_named_tuples_as_objects = 1, date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 0, output_format_json_quote_decimals = 1, output_format_json_quote_denormals = 0, output_format_json_escape_forward_slashes = 1";

/**
 * The fast-path SQL over a Parquet file's typed columns, read by ClickHouse
 * from {path:String} from row {skip:UInt64} (0-based) on: each column the
 * source has is printed as its JSON text (toJSONString, under
 * PARQUET_JSON_SETTINGS) and checked by the same rules as an NDJSON value, so
 * a Parquet type that does not fit a column (a list for a text, a float for an
 * integer) is refused row by row and dead-lettered by JavaScript with its
 * reason, never cast. A refused row's raw text is the row as a JSON object
 * (every column of the file), made only for refused rows. `_line` is the row
 * number from 1. `present`: the source's columns the file has (names from the
 * source spec, never from the file); the others are blank on every row.
 */
export function parquetPathSql(spec: SourceSpec, present: ReadonlyMap<string, string>): string | undefined {
	const generic = renderedColumns(spec);
	if (!generic) return undefined;
	const shape = spec.columns.shape as Record<string, z.ZodType>;
	const cells: string[] = [];
	const rendered = spec.columnNames.map((name, i): [string, Rendered] => {
		const type = present.get(name);
		const typed = type === undefined ? undefined : typedParquetColumn(ruleOf(shape[name]!), type, `_c${i}`);
		if (typed) {
			cells.push(`\`${name}\` AS _c${i}`);
			return [name, typed];
		}
		cells.push(type === undefined ? `'' AS _c${i}` : `ifNull(toJSONString(\`${name}\`), 'null') AS _c${i}`);
		return generic[i]!;
	});
	return checkLayers(rendered, {
		line: '_row_number + 1',
		rawSql: 'toJSONString(_all)',
		carry: ['_row_number', '_all'],
		refusedFirst: '',
		from: `SELECT _row_number, tuple(*) AS _all, ${cells.join(', ')} FROM file({path:String}, 'Parquet') WHERE _row_number >= {skip:UInt64}`
	});
}

/**
 * A Parquet column whose type already says what the NDJSON rule would check
 * (a String for text, an integer for an integer, a Bool for a boolean, a
 * DateTime64(3, 'UTC') for a time), checked on its typed value `x` without
 * printing it as JSON: the same verdict and stored value as the JSON-text
 * rule on its print (a string is blank when empty, NULL is blank, an integer
 * must be exact in JavaScript, a time is printed with milliseconds and Z, so
 * only its range is left). Any other pairing returns undefined and keeps the
 * JSON-text rule.
 */
function typedParquetColumn(rule: ColumnRule, type: string, x: string): Rendered | undefined {
	const nullable = /^Nullable\((.*)\)$/.exec(type);
	const base = nullable ? nullable[1]! : type;
	const v = nullable ? `assumeNotNull(${x})` : x;
	const isInt = /^U?Int(8|16|32|64)$/.test(base);
	let present: Rendered;
	let emptyIsBlank = false;
	switch (rule.kind) {
		case 'text':
			if (base !== 'String') return undefined;
			// Invalid UTF-8 prints as replacement characters: left to JavaScript, which sees those.
			present = { ok: `isValidUTF8(${v})${rule.pattern ? ` AND match(${v}, ${re2(rule.pattern)})` : ''}`, value: v };
			emptyIsBlank = true;
			break;
		case 'oneOf':
			if (base !== 'String') return undefined;
			present = { ok: `${v} IN (${rule.values.map(lit).join(', ')})`, value: v };
			emptyIsBlank = true;
			break;
		case 'int': {
			if (!isInt) return undefined;
			// JSON.parse reads integers exactly up to 2^53 only: beyond, JavaScript says so.
			const safe = base.startsWith('U') ? `${v} <= ${SAFE}` : `${v} BETWEEN -${SAFE} AND ${SAFE}`;
			present = { ok: `${safe} AND ${rangeSql(v, rule.range)}`, value: v };
			break;
		}
		case 'bool':
			if (base === 'Bool' && rule.truthy.includes(true) && rule.falsy.includes(false)) present = { ok: 'true', value: v };
			else if (isInt && rule.truthy.includes(1) && rule.falsy.includes(0)) present = { ok: `${v} IN (0, 1)`, value: `${v} = 1` };
			else return undefined;
			break;
		case 'timestamp':
			if (base !== "DateTime64(3, 'UTC')") return undefined;
			present = { ok: `${v} BETWEEN toDateTime64(${lit(clickhouseTime(rule.min))}, 3, 'UTC') AND toDateTime64(${lit(clickhouseTime(rule.max))}, 3, 'UTC')`, value: v };
			break;
		default:
			return undefined;
	}
	const blanks = [nullable ? `isNull(${x})` : '', emptyIsBlank ? `${v} = ''` : ''].filter(Boolean);
	const blank = blanks.length ? blanks.join(' OR ') : 'false';
	if (rule.kind === 'timestamp') return rule.optional ? presentOr(blank, true, defaultOf(rule), present) : { ok: `NOT (${blank}) AND ${present.ok}`, value: present.value };
	return presentOr(blank, rule.default !== undefined, defaultOf(rule), present);
}

/** Why SQL refused a CSV line before its columns: not split the simple way (JavaScript splits it), or a field count other than the header's. */
export const REFUSED_NOT_PLAIN_CSV = '(not plain CSV)';
export const REFUSED_FIELD_COUNT = '(field count)';

/** The delimiter as a RE2 character (a character-class member too). */
const reChar = (delimiter: string) => (delimiter === '|' ? '\\|' : delimiter === '\t' ? '\\t' : delimiter);

/** A RE2 pattern matching one field of a CSV record after its delimiter: "quoted" (with "" inside) or plain. */
function csvFieldPattern(delimiter: string): string {
	const d = reChar(delimiter);
	return `${d}("(?:[^"]|"")*"|[^"${d}]*)`;
}

/**
 * A RE2 pattern matching a whole record whose quoted fields hold no quote,
 * delimiter or CR (what exporters that quote every string write): then
 * splitting on the delimiter after dropping every quote gives its fields,
 * without the field-by-field extraction (measured: 25 µs a line, against ~2).
 */
function csvSimplePattern(delimiter: string): string {
	const d = reChar(delimiter);
	const field = `("[^"${d}\\r]*"|[^"${d}\\r]*)`;
	return `^${field}(${d}${field})*$`;
}

/**
 * The fast-path SQL over a spooled CSV chunk (one physical line per spool
 * line, as LineAsString; records JavaScript must split are already blanked,
 * see ./spool.ts). A line is split in SQL only where ./read.ts splitCsv
 * would split it without Papa: no quote at all (a plain split on the
 * delimiter), quoted fields without quote, delimiter or CR inside
 * (csvSimplePattern: the same split once the quotes are dropped), or else
 * RFC 4180 quoting throughout with no CR (the fields, each a match of
 * csvFieldPattern, must rebuild the line exactly). Each cell is then
 * checked as the string it is in JavaScript (csvCell: "" is blank, "007"
 * an integer 7), by the rules NDJSON has for a string value.
 * `columnAt[i]`: the 1-based header position of column i (0: not in the
 * header, blank on every row).
 */
export function csvPathSql(spec: SourceSpec, columnAt: readonly number[]): FastPathSql | undefined {
	const rendered = renderedColumns(spec);
	if (!rendered) return undefined;
	const shape = spec.columns.shape as Record<string, z.ZodType>;
	// A column in the header is checked on its cell (csvCell); one the header lacks is blank on every row.
	const checked = spec.columnNames.map((name, i): [string, Rendered] => (columnAt[i]! > 0 ? [name, csvCell(ruleOf(shape[name]!), `_c${i}`)!] : rendered[i]!));
	if (checked.some(([, r]) => !r)) return undefined;
	const cells = spec.columnNames.map((_, i) => (columnAt[i]! > 0 ? `_f[${columnAt[i]}] AS _c${i}` : `'' AS _c${i}`));
	const query = (from: string) =>
		checkLayers(checked, {
			line: '_row_number + {first:UInt64}',
			rawSql: 'line',
			carry: ['_row_number', 'line', '_wellformed', '_width'],
			refusedFirst: `NOT _wellformed, ${lit(REFUSED_NOT_PLAIN_CSV)}, _width != {width:UInt32}, ${lit(REFUSED_FIELD_COUNT)}, `,
			from: `SELECT _row_number, line, _wellformed, length(_f) AS _width, ${cells.join(', ')}
		FROM (
			SELECT _row_number, line,
				multiIf(_plain, splitByChar({delimiter:String}, line), _simple, splitByChar({delimiter:String}, replaceAll(line, '"', '')),
					arrayMap(x -> if(startsWith(x, '"'), replaceAll(substring(x, 2, length(x) - 2), '""', '"'), x), _raw_f)) AS _f,
				_plain OR _simple OR (position(line, '\\r') = 0 AND arrayStringConcat(_raw_f, {delimiter:String}) = line) AS _wellformed
			FROM (
				SELECT _row_number, line, _plain, _simple,
					if(_plain OR _simple, CAST([] AS Array(String)), arrayMap(g -> g[1], extractAllGroupsVertical(concat({delimiter:String}, line), {field:String}))) AS _raw_f
				FROM (
					SELECT _row_number, line, _plain, NOT _plain AND match(line, {simple:String}) AS _simple
					FROM (SELECT _row_number, line, position(line, '"') = 0 AS _plain FROM ${from} WHERE line != '')
				)
			)
		)`
		});
	return { query, columns: ['_line', '_refused', '_raw', ...spec.columnNames] };
}

/**
 * One CSV column on its cell `c` (a String: every CSV value is a string in
 * JavaScript too): renderColumn's rule for a JSON string value, without
 * printing the cell as JSON first. Empty is blank; "007" is the integer 7;
 * a time must be the canonical 'YYYY-MM-DDTHH:MM:SS.mmmZ' (anything else goes
 * to JavaScript); a cell has no escapes, so any text is taken as written.
 */
function csvCell(rule: ColumnRule, c: string): Rendered | undefined {
	const blank = `${c} = ''`;
	const hasDefault = 'default' in rule && rule.default !== undefined;
	const or = (present: Rendered) => presentOr(blank, hasDefault, defaultOf(rule), present);
	switch (rule.kind) {
		case 'text':
			return or({ ok: rule.pattern ? `match(${c}, ${re2(rule.pattern)})` : 'true', value: c });
		case 'oneOf':
			return or({ ok: `${c} IN (${rule.values.map(lit).join(', ')})`, value: c });
		case 'int': {
			const n = `toInt64OrNull(${c})`;
			return or({ ok: `match(${c}, ${SAFE_INT}) AND ${rangeSql(n, rule.range)}`, value: n });
		}
		case 'float': {
			const n = `toFloat64OrNull(${c})`;
			return or({ ok: `match(${c}, ${NUMBER}) AND isFinite(${n}) AND ${rangeSql(n, rule.range)}`, value: n });
		}
		case 'decimal':
			return or({ ok: `match(${c}, ${DECIMAL}) AND ${rangeSql(`toFloat64OrZero(${c})`, rule.range)}`, value: c });
		case 'bool': {
			const strings = (vs: readonly unknown[]) => vs.filter((v): v is string => typeof v === 'string').map(lit).join(', ');
			return or({ ok: `${c} IN (${strings(rule.truthy)}, ${strings(rule.falsy)})`, value: `${c} IN (${strings(rule.truthy)})` });
		}
		case 'timestamp': {
			const spaced = `concat(substring(${c}, 1, 10), ' ', substring(${c}, 12, 12))`;
			const t = `toDateTime64OrNull(${spaced}, 3, 'UTC')`;
			const ok = `match(${c}, ${CANONICAL_TIME}) AND toString(${t}) = ${spaced} AND ${t} BETWEEN toDateTime64(${lit(clickhouseTime(rule.min))}, 3, 'UTC') AND toDateTime64(${lit(clickhouseTime(rule.max))}, 3, 'UTC')`;
			return rule.optional ? presentOr(blank, true, defaultOf(rule), { ok, value: t }) : { ok: `NOT (${blank}) AND ${ok}`, value: t };
		}
		case 'date': {
			const d = `toDateOrNull(${c})`;
			return { ok: `NOT (${blank}) AND match(${c}, ${ISO_DATE}) AND toString(${d}) = ${c} AND ${c} >= '2000-01-01' AND ${c} < '2100-01-01'`, value: d };
		}
		case 'textList':
			return undefined;
	}
}

/** Query parameters of csvPathSql for a chunk. */
export function csvPathParams(first: number, delimiter: string, width: number): Record<string, unknown> {
	return { first, delimiter, width, field: csvFieldPattern(delimiter), simple: csvSimplePattern(delimiter) };
}

/** Query parameters of fastPathSql for a chunk: its first line and the expected key layout. */
export function fastPathParams(spec: SourceSpec, first: number, keys: readonly string[]): Record<string, unknown> {
	const params: Record<string, unknown> = { first, keys };
	spec.columnNames.forEach((name, i) => (params[`at${i}`] = keys.indexOf(name) + 1));
	return params;
}

/**
 * The canonical path: for files written the way exporters usually write
 * NDJSON — compact, every line with the same keys in the same order, plain
 * values — a line is parsed straight into typed values by one JSONExtract
 * (about half the CPU of fastPathSql's key-by-key JSON text) and accepted
 * only if printing those values back in that layout gives the line byte for
 * byte. That check is what makes it safe: JSONExtract converts leniently (a
 * number to a string, 1.5 to an integer, an offset time to UTC), but a line
 * that is exactly the canonical print of its values parses, with JSON.parse,
 * to exactly those values; and an invalid line (JSONExtract returns defaults)
 * never equals a print. The column rules are then checked on typed values.
 *
 * Anything else — another key order, spaces, escapes, a number in quotes, a
 * time with an offset — is refused ('(not canonical)') and judged like any
 * refused line; ingest/fast-path.ts switches a file whose lines are mostly
 * not canonical to fastPathSql. `keys` is the file's layout (its first
 * line's keys): undefined when a key is not a column of the source or a
 * column kind has no canonical print (decimals, lists, which keep fastPathSql).
 */
export const REFUSED_NOT_CANONICAL = '(not canonical)';

interface Canonical {
	/** JSONExtract type of the column (Nullable added where the column may be blank, see canonicalPathSql). */
	type: string;
	/** Blank is written as null (extracted as NULL); for text it is "" instead (see fields.ts isBlank). */
	nullBlank: boolean;
	/** SQL printing the value `x` (Nullable or not) as the line must spell it. */
	print: (x: string) => string;
	/** Rule on a present value, undefined when every value the print lets through passes. */
	ok?: (x: string) => string;
	value: (x: string) => string;
}

/** JSON.parse reads integers exactly up to 2^53: beyond, a value goes to the JavaScript path, which says so. */
const SAFE = 9007199254740991;

function canonicalColumn(rule: ColumnRule): Canonical | undefined {
	const text = { type: 'String', nullBlank: false, print: (x: string) => `concat('"', ${x}, '"')`, value: (x: string) => x };
	switch (rule.kind) {
		case 'text':
			return { ...text, ok: rule.pattern ? (x) => `match(${x}, ${re2(rule.pattern!)})` : undefined };
		case 'oneOf':
			return { ...text, ok: (x) => `${x} IN (${rule.values.map(lit).join(', ')})` };
		case 'int': {
			const { min, above, max } = rule.range;
			const bounded = (min ?? above ?? -Infinity) >= -SAFE && (max ?? Infinity) <= SAFE;
			return {
				type: 'Int64',
				nullBlank: true,
				print: (x) => `ifNull(toString(${x}), 'null')`,
				ok: (x) => {
					const range = rangeSql(x, rule.range);
					if (bounded) return range;
					return range === 'true' ? `abs(${x}) <= ${SAFE}` : `abs(${x}) <= ${SAFE} AND ${range}`;
				},
				value: (x) => x
			};
		}
		case 'float':
			return {
				type: 'Float64',
				nullBlank: true,
				print: (x) => `ifNull(toString(${x}), 'null')`,
				ok: (x) => `isFinite(${x}) AND ${rangeSql(x, rule.range)}`,
				value: (x) => x
			};
		case 'bool': {
			if (!rule.truthy.includes(true) || !rule.falsy.includes(false)) return undefined;
			return { type: 'Bool', nullBlank: true, print: (x) => `multiIf(isNull(${x}), 'null', ${x}, 'true', 'false')`, value: (x) => x };
		}
		case 'timestamp':
			return {
				type: "DateTime64(3, 'UTC')",
				nullBlank: true,
				print: (x) => `if(isNull(${x}), 'null', concat('"', replaceOne(toString(${x}), ' ', 'T'), 'Z"'))`,
				ok: (x) => `${x} BETWEEN toDateTime64(${lit(clickhouseTime(rule.min))}, 3, 'UTC') AND toDateTime64(${lit(clickhouseTime(rule.max))}, 3, 'UTC')`,
				value: (x) => x
			};
		case 'date':
			return {
				type: 'Date32',
				nullBlank: true,
				print: (x) => `if(isNull(${x}), 'null', concat('"', toString(${x}), '"'))`,
				ok: (x) => `${x} >= toDate32('2000-01-01') AND ${x} < toDate32('2100-01-01')`,
				value: (x) => `toDate(${x})`
			};
		case 'decimal':
		case 'textList':
			return undefined;
	}
}

/** A blank column's value in SQL (NULL for an optional time or a nullable integer), for both renderings. */
function defaultOf(r: ColumnRule): string {
	switch (r.kind) {
		case 'timestamp':
		case 'date':
		case 'textList':
			return 'NULL';
		case 'int':
			return r.default === undefined || r.default === null ? 'NULL' : num(r.default);
		case 'float':
			return num(r.default ?? 0);
		case 'bool':
			return r.default ? 'true' : 'false';
		case 'text':
		case 'oneOf':
			return lit(r.default ?? '');
		case 'decimal':
			return lit(r.default ?? '0');
	}
}

export function canonicalPathSql(spec: SourceSpec, keys: readonly string[]): FastPathSql | undefined {
	if (!fastPathSql(spec) || keys.length === 0) return undefined;
	const shape = spec.columns.shape as Record<string, z.ZodType>;
	const names = spec.columnNames;
	// Keys other than the source's columns are kept in the print as strings; they reach the SQL only as parameters, and only plain names.
	if (!keys.every((k) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) || new Set(keys).size !== keys.length) return undefined;
	const columns = new Map<string, Canonical>();
	for (const name of names) {
		const c = canonicalColumn(ruleOf(shape[name]!));
		if (!c) return undefined;
		columns.set(name, c);
	}
	const other = canonicalColumn({ kind: 'text' })!;
	const of = (k: string) => columns.get(k) ?? other;
	// A column that may not be blank is extracted without Nullable (measured: 2.6 → 1.75 CPU s per 1 M lines): a null
	// there comes out as 0, false or 1970, prints differently from the line and is refused like any other misfit.
	const mayBeBlank = (k: string) => {
		if (!columns.has(k)) return true;
		const r = ruleOf(shape[k]!);
		return ('default' in r && r.default !== undefined) || (r.kind === 'timestamp' && r.optional);
	};
	const nullable = (k: string) => mayBeBlank(k) && of(k).nullBlank;
	const type = `Tuple(${keys.map((k) => `\`${k}\` ${nullable(k) ? `Nullable(${of(k).type})` : of(k).type}`).join(', ')})`;
	const printed = `concat('{', ${keys.map((k, i) => `'${i ? ',' : ''}"', {keys:Array(String)}[${i + 1}], '":', ${of(k).print(`_x.${i + 1}`)}`).join(', ')}, '}')`;
	/**
	 * Tuple element i+1 is keys[i]. Only what can fail is checked, and values
	 * are stored as extracted: a refused line's values are never read (its
	 * text goes to the JavaScript validator), and JSONExtract never throws.
	 */
	const rule = (name: string): { ok?: string; value: string } => {
		const c = columns.get(name)!;
		const defaultSql = defaultOf(ruleOf(shape[name]!));
		// Absent from the layout: blank on every canonical line.
		if (!keys.includes(name)) return { ok: mayBeBlank(name) ? undefined : 'false', value: defaultSql };
		const x = `_x.${keys.indexOf(name) + 1}`;
		if (!mayBeBlank(name)) {
			const present = c.ok?.(x);
			// "" is blank text; a null elsewhere was extracted as a default the print does not match.
			return { ok: c.nullBlank ? present : [`${x} != ''`, present].filter(Boolean).join(' AND '), value: c.value(x) };
		}
		const blank = c.nullBlank ? `isNull(${x})` : `${x} = ''`;
		const ok = c.ok ? `${blank} OR (${c.ok(c.nullBlank ? `assumeNotNull(${x})` : x)})` : undefined;
		// The stored blank: the extracted value itself when it already is the default (NULL, or "" for text).
		const identity = c.nullBlank ? defaultSql === 'NULL' : defaultSql === "''";
		if (identity) return { ok, value: c.value(x) };
		return { ok, value: c.nullBlank ? `ifNull(${c.value(x)}, ${defaultSql})` : `if(${blank}, ${defaultSql}, ${c.value(x)})` };
	};
	const rendered = names.map((n) => [n, rule(n)] as const);
	const checks = rendered.filter(([, r]) => r.ok !== undefined) as (readonly [string, { ok: string; value: string }])[];
	// One AND over every check decides the common case; which column failed is worked out only for refused lines.
	const query = (from: string) => `SELECT
	_row_number + {first:UInt64} AS _line,
	if(_accepted, '', multiIf(NOT _canonical, ${lit(REFUSED_NOT_CANONICAL)}, ${checks.map(([name, r]) => `NOT (${r.ok}), ${lit(name)}`).join(', ')}, '')) AS _refused,
	if(_accepted, '', line) AS _raw,
	${rendered.map(([name, r]) => `${r.value} AS ${name}`).join(',\n\t')}
FROM (
	SELECT _row_number, line, _x, ${printed} = line AS _canonical, _canonical${checks.map(([, r]) => ` AND (${r.ok})`).join('')} AS _accepted
	FROM (SELECT _row_number, line, JSONExtract(line, {layout:String}) AS _x FROM ${from} WHERE line != '')
)`;
	return { query, columns: ['_line', '_refused', '_raw', ...names], params: { layout: type, keys } };
}
