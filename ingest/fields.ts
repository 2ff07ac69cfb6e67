import { z } from 'zod';

/**
 * Column types of the input files (docs/data.md) as zod schemas. Each accepts what NDJSON
 * gives (typed JSON values) and what CSV gives (strings), and outputs the value
 * ClickHouse's JSONEachRow reader takes for the column. Failures become issues
 * whose message reads "<rule>, got <value>" so a dead letter says what to fix;
 * `params.rule` is the value-free part used to count rejections by reason.
 */

/** A value that failed a rule; `got` is shown to the person fixing the file. */
class Bad {
	constructor(
		readonly rule: string,
		readonly got?: unknown
	) {}
}

const MISSING = new Bad('is required');

function show(v: unknown): string {
	const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
	return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** A column's rule as a plain function: the zod schema wraps it, the fast path calls it directly. */
export type ColumnParser = (v: unknown) => unknown;

/**
 * Whether an accepted input can go to ClickHouse as written (so the ingest
 * fast path can pass the original NDJSON line through instead of
 * re-serializing it). Default: the parser returned the input unchanged.
 */
export type Passthrough = (input: unknown) => boolean;

/**
 * What a column accepts, as data: ./sql-rules.ts renders it into a ClickHouse
 * expression for the ingest fast path, so the rule is written once (here) and
 * both the zod parser and the SQL come from it.
 */
export type ColumnRule =
	| { kind: 'text'; default?: string; pattern?: RegExp }
	| { kind: 'oneOf'; values: readonly string[]; default?: string }
	| { kind: 'int'; range: Range; default?: number | null }
	| { kind: 'float'; range: Range; default?: number }
	| { kind: 'decimal'; range: Range; default?: string }
	| { kind: 'bool'; truthy: readonly unknown[]; falsy: readonly unknown[]; default?: boolean }
	| { kind: 'timestamp'; optional: boolean; min: number; max: number }
	| { kind: 'date' }
	| { kind: 'textList' };

const parsers = new WeakMap<z.ZodType, { parse: ColumnParser; passthrough?: Passthrough; rule: ColumnRule }>();

/** The declarative rule behind a column schema made by this module. */
export function ruleOf(schema: z.ZodType): ColumnRule {
	const p = parsers.get(schema);
	if (!p) throw new Error('column schema was not built with ingest/fields.ts');
	return p.rule;
}

/** The parse function behind a column schema made by this module. */
export function parserOf(schema: z.ZodType): ColumnParser {
	const p = parsers.get(schema);
	if (!p) throw new Error('column schema was not built with ingest/fields.ts');
	return p.parse;
}

export function passthroughOf(schema: z.ZodType): Passthrough | undefined {
	return parsers.get(schema)?.passthrough;
}

export { Bad };

/**
 * Why a row was refused (a column's value, a rule across columns or across
 * rows): `rule` has no value in it, so rejections can be counted by reason.
 */
export interface Rejection {
	field: string;
	rule: string;
	message: string;
}

/** Message of a failed value, the one format used by zod issues and the fast path alike. */
export const messageOf = (b: Bad) => (b.got === undefined ? b.rule : `${b.rule}, got ${show(b.got)}`);

/** Wraps a parse function as a zod schema with the dead-letter message convention. */
function column<T>(rule: ColumnRule, parse: (v: unknown) => T | Bad, passthrough?: Passthrough) {
	// prefault: zod skips the schema of an absent key and then demands a value;
	// running the parser on null lets it apply the column's default or say "is required".
	const schema = z.unknown().prefault(null).transform((v, ctx): T => {
		const r = parse(v);
		if (r instanceof Bad) {
			ctx.issues.push({
				code: 'custom',
				message: messageOf(r),
				input: v,
				params: { rule: r.rule }
			});
			return z.NEVER;
		}
		return r;
	});
	parsers.set(schema, { parse, passthrough, rule });
	return schema;
}

/** Absent in NDJSON, null, or an empty CSV cell. */
const isBlank = (v: unknown) => v === undefined || v === null || v === '';

interface Presence<T> {
	/** Value when the column is blank; without it the column is required. */
	default?: T;
}

/** Shared: present() runs for every column of every row, and a fresh object each time kept the GC busy. */
const NOT_BLANK = { blank: false } as const;

function present<T>(v: unknown, opts: Presence<T>): { blank: true; value: T | Bad } | { blank: false } {
	if (!isBlank(v)) return NOT_BLANK;
	return { blank: true, value: opts.default === undefined ? MISSING : opts.default };
}

export function text(opts: Presence<string> & { pattern?: RegExp; patternRule?: string } = {}) {
	return column({ kind: 'text', default: opts.default, pattern: opts.pattern }, (v): string | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		// Ids exported by spreadsheets or JSON serializers are often bare numbers.
		const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
		if (s === undefined) return new Bad('must be a string', v);
		if (opts.pattern && !opts.pattern.test(s)) return new Bad(opts.patternRule ?? `must match ${opts.pattern}`, v);
		return s;
	});
}

export function oneOf<const E extends readonly string[], const D extends string = E[number]>(values: E, opts: Presence<D> = {}) {
	const allowed = new Set<string>(values);
	const rule = `must be one of ${values.join(', ')}`;
	return column({ kind: 'oneOf', values, default: opts.default }, (v): E[number] | D | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		return typeof v === 'string' && allowed.has(v) ? v : new Bad(rule, v);
	});
}

const INT = /^-?\d+$/;
const NUM = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function toNumber(v: unknown): number | undefined {
	if (typeof v === 'number') return v;
	if (typeof v === 'string' && NUM.test(v)) return Number(v);
	return undefined;
}

export interface Range {
	min?: number;
	/** Exclusive lower bound (e.g. durations > 0). */
	above?: number;
	max?: number;
}

function checkRange(n: number, r: Range): Bad | undefined {
	if (r.min !== undefined && n < r.min) return new Bad(`must be ≥ ${r.min}`, n);
	if (r.above !== undefined && n <= r.above) return new Bad(`must be > ${r.above}`, n);
	if (r.max !== undefined && n > r.max) return new Bad(`must be ≤ ${r.max}`, n);
	return undefined;
}

export function int<D extends number | null = number>(range: Range = {}, opts: Presence<D> = {}) {
	return column({ kind: 'int', range, default: opts.default }, (v): number | D | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		const n = typeof v === 'string' && INT.test(v) ? Number(v) : v;
		if (typeof n !== 'number' || !Number.isInteger(n)) return new Bad('must be an integer', v);
		return checkRange(n, range) ?? n;
	});
}

export function float(range: Range = {}, opts: Presence<number> = {}) {
	return column({ kind: 'float', range, default: opts.default }, (v): number | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		const n = toNumber(v);
		if (n === undefined || !Number.isFinite(n)) return new Bad('must be a number', v);
		return checkRange(n, range) ?? n;
	});
}

const DECIMAL = /^-?\d{1,12}(\.\d{1,6})?$/;

/** Money and rates: exact decimal strings for Decimal(18, 6), never floats. */
export function decimal(range: Range = {}, opts: Presence<string> = {}) {
	return column({ kind: 'decimal', range, default: opts.default }, (v): string | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		// JSON numbers print in their shortest exact form, which is what was written.
		const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
		if (typeof s !== 'string' || !DECIMAL.test(s)) return new Bad('must be a decimal with at most 6 decimal places', v);
		return checkRange(Number(s), range) ?? s;
	});
}

const TRUTHY = [true, 'true', 'TRUE', 'True', '1', 1, 't', 'yes'] as const;
const FALSY = [false, 'false', 'FALSE', 'False', '0', 0, 'f', 'no'] as const;
const TRUE = new Set<unknown>(TRUTHY);
const FALSE = new Set<unknown>(FALSY);

export function bool(opts: Presence<boolean> = {}) {
	return column({ kind: 'bool', truthy: TRUTHY, falsy: FALSY, default: opts.default }, (v): boolean | Bad => {
		const p = present(v, opts);
		if (p.blank) return p.value;
		if (TRUE.has(v)) return true;
		if (FALSE.has(v)) return false;
		return new Bad('must be true or false', v);
	});
}

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
const EPOCH_MS = /^\d{1,15}$/;
// Epoch milliseconds of 2000-01-01 and 2100-01-01: anything outside is a unit
// mistake (seconds for milliseconds) far more often than a real event.
const MIN_MS = 946_684_800_000;
const MAX_MS = 4_102_444_800_000;

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC: what DateTime64(3, 'UTC') reads without best-effort parsing. */
export function clickhouseTime(ms: number): string {
	const iso = new Date(ms).toISOString();
	return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date.parse rolls 02-31 over to 03-03; a day past the month's end is a typo, not a date. */
function dayExists(s: string): boolean {
	const y = Number(s.slice(0, 4));
	const m = Number(s.slice(5, 7));
	const d = Number(s.slice(8, 10));
	const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
	return d >= 1 && d <= (DAYS_IN_MONTH[m - 1] ?? 0) + (leap ? 1 : 0);
}

/** Digits of s from `at`, `n` of them, or -1 if one is not a digit. */
function digits(s: string, at: number, n: number): number {
	let x = 0;
	for (let i = at; i < at + n; i++) {
		const c = s.charCodeAt(i) - 48;
		if (c < 0 || c > 9) return -1;
		x = x * 10 + c;
	}
	return x;
}

/**
 * Epoch ms of a canonical 'YYYY-MM-DDTHH:MM:SS.mmmZ' that is certainly valid
 * and in range, else undefined (then the general path decides, with its
 * message). Regex + Date.parse + dayExists cost ~3× this per timestamp.
 */
function canonicalTime(v: string): number | undefined {
	if (v[4] !== '-' || v[7] !== '-' || v[13] !== ':' || v[16] !== ':') return undefined;
	const y = digits(v, 0, 4);
	const mo = digits(v, 5, 2);
	const d = digits(v, 8, 2);
	const h = digits(v, 11, 2);
	const mi = digits(v, 14, 2);
	const sec = digits(v, 17, 2);
	const frac = digits(v, 20, 3);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || frac < 0) return undefined;
	if (!dayExists(v)) return undefined;
	const ms = Date.UTC(y, mo - 1, d, h, mi, sec, frac);
	return ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

function parseTime(v: unknown): number | Bad {
	let ms: number;
	if (typeof v === 'number') ms = v;
	else if (typeof v === 'string' && EPOCH_MS.test(v)) ms = Number(v);
	else if (typeof v === 'string' && ISO.test(v)) {
		// "+0200" → "+02:00": V8 only parses the extended form.
		ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
		if (Number.isNaN(ms) || !dayExists(v)) return new Bad('is not a valid date-time', v);
	} else return new Bad('must be an ISO-8601 time with zone or epoch milliseconds', v);
	if (!Number.isInteger(ms)) return new Bad('must be whole epoch milliseconds', v);
	if (ms < MIN_MS || ms > MAX_MS) {
		const hint = ms >= MIN_MS / 1000 && ms <= MAX_MS / 1000 ? ' (looks like epoch seconds; milliseconds expected)' : '';
		return new Bad(`must be between 2000 and 2100${hint}`, v);
	}
	return ms;
}

/** 'YYYY-MM-DDTHH:MM:SS.mmmZ' (once validated): ClickHouse's best-effort parser reads it exactly. */
const isCanonicalIso = (v: unknown): v is string => typeof v === 'string' && v.length === 24 && v[23] === 'Z' && v[19] === '.' && v[10] === 'T';

export function timestamp(): ReturnType<typeof column<string>>;
export function timestamp(opts: { optional: true }): ReturnType<typeof column<string | null>>;
export function timestamp(opts: { optional?: boolean } = {}) {
	return column({ kind: 'timestamp', optional: !!opts.optional, min: MIN_MS, max: MAX_MS }, (v): string | null | Bad => {
		if (isBlank(v)) return opts.optional ? null : MISSING;
		if (isCanonicalIso(v) && canonicalTime(v) !== undefined) return `${v.slice(0, 10)} ${v.slice(11, 23)}`;
		const ms = parseTime(v);
		if (ms instanceof Bad) return ms;
		// The common exported form 'YYYY-MM-DDTHH:MM:SS.mmmZ' converts by slicing, ~5× cheaper than formatting a Date.
		if (isCanonicalIso(v)) return `${v.slice(0, 10)} ${v.slice(11, 23)}`;
		return clickhouseTime(ms);
	}, isCanonicalIso);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function date() {
	return column({ kind: 'date' }, (v): string | Bad => {
		if (isBlank(v)) return MISSING;
		if (typeof v !== 'string' || !DATE.test(v)) return new Bad('must be a date YYYY-MM-DD', v);
		const d = new Date(`${v}T00:00:00Z`);
		if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) return new Bad('is not a calendar date', v);
		if (v < '2000-01-01' || v >= '2100-01-01') return new Bad('must be between 2000 and 2100', v);
		return v;
	});
}

/** A JSON array of strings in NDJSON; `;`-separated in a CSV cell. Blank = empty list. */
export function textList() {
	return column({ kind: 'textList' }, (v): string[] | Bad => {
		if (isBlank(v)) return [];
		if (typeof v === 'string') {
			const t = v.trim();
			if (t.startsWith('[')) {
				try {
					return asTextList(JSON.parse(t), v);
				} catch {
					return new Bad('must be a JSON array of strings or a ;-separated list', v);
				}
			}
			return t.split(';').map((s) => s.trim()).filter((s) => s !== '');
		}
		return asTextList(v, v);
	});
}

function asTextList(a: unknown, original: unknown): string[] | Bad {
	if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) return new Bad('must be a list of strings', original);
	return a as string[];
}
