import { formatQueryParams } from '@clickhouse/client-common';
import type { Params } from './types.js';

/**
 * Typed `{name:Type}` parameters for the embedded warehouse without chDB's
 * binding path, which runs one parameterised statement at a time process-wide
 * (a lock inside chDB: its binder's state is not isolated per connection).
 *
 * A ClickHouse connection keeps query parameters as session settings:
 * `SET param_<name> = '<text>'` gives `{name:Type}` the value `<text>` for the
 * connection's later statements, and the engine parses that text as `Type` when
 * it substitutes the placeholder, exactly as it parses the `param_<name>` of an
 * HTTP request. So the value is still a typed parameter, never SQL: the SET
 * carries it as a string literal, which the engine reads as text and nothing
 * else. Connections are separate sessions, so statements on different
 * connections run in parallel, each with its own values.
 *
 * Two rules make this as safe as the HTTP transport:
 * - the text is what `@clickhouse/client` sends over HTTP for the value
 *   (its `formatQueryParams`), so a value means the same thing embedded and
 *   on a server; it is put in the literal by `stringLiteral`, which escapes
 *   the backslash, the quote and every control character, so nothing in a
 *   value can end the literal;
 * - a SET outlives its statement on the connection, so every placeholder a
 *   statement uses must be among its own parameters (`setParameters` throws
 *   otherwise): a value left by an earlier statement can never fill it.
 */

/** What a parameter may be called: an identifier, as ClickHouse's lexer reads one. */
export const PARAM_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The largest SET of parameters a statement may carry, in bytes. Over HTTP a
 * value does not count towards the statement's size; here it is statement
 * text, so every connection that takes parameters this way first raises the
 * engine's max_query_size (256 KiB by default) to this (`QUERY_SIZE_SETTING`).
 */
export const MAX_PARAMETER_BYTES = 16 * 2 ** 20;
export const QUERY_SIZE_SETTING = `SET max_query_size = ${MAX_PARAMETER_BYTES}`;

/** `{name:Type}` as the engine finds it in a statement (whitespace allowed around both parts). */
const PLACEHOLDER = /\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*:[^{}]*\}/g;

/**
 * Comments, string literals and quoted identifiers, where the engine sees no
 * placeholder (a metric's SQL comment may quote `{{include:name}}`). Matched
 * left to right, so a quote inside a comment or a `--` inside a string is
 * taken as part of what encloses it.
 */
const NOT_SQL_CODE = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"|`(?:[^`\\]|\\[\s\S])*`/g;

/** The parameter names a statement's `{name:Type}` placeholders use, each once (not those in comments or strings). */
export function placeholdersIn(sql: string): string[] {
	const code = sql.replace(NOT_SQL_CODE, ' ');
	return [...new Set([...code.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** The text `@clickhouse/client` sends as `param_<name>` over HTTP for `value` (the engine parses it as the placeholder's type). */
export function parameterText(value: unknown): string {
	return formatQueryParams({ value, wrapStringInQuotes: false, printNullAsKeyword: false });
}

/**
 * `text` as a single-quoted ClickHouse string literal that reads back as
 * exactly `text`. Only printable characters other than `\` and `'` pass
 * through; those two are backslash-escaped, and every control character (NUL,
 * newline, tab, DEL…) becomes `\xHH`, so the literal is one line of printable
 * text whose only quote is its closing one.
 */
export function stringLiteral(text: string): string {
	let out = "'";
	for (const ch of text) {
		const code = ch.codePointAt(0)!;
		if (ch === '\\' || ch === "'") out += `\\${ch}`;
		else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
		else out += ch;
	}
	return `${out}'`;
}

/** A statement's parameters that cannot be sent: a bad name, or a placeholder without a value. */
export class QueryParameterError extends Error {
	constructor(tag: string, message: string) {
		super(`[${tag}] ${message}`);
		this.name = 'QueryParameterError';
	}
}

/**
 * The `SET param_… = '…'` statement that gives `sql` its parameters on a
 * connection, or undefined when it uses none. Throws when a parameter's name
 * is not an identifier, or when `sql` uses a placeholder that `params` lacks.
 */
export function setParameters(sql: string, params: Params | undefined, tag: string): string | undefined {
	const given = params ?? {};
	const bad = Object.keys(given).find((name) => !PARAM_NAME.test(name));
	if (bad !== undefined) throw new QueryParameterError(tag, `query parameter name ${JSON.stringify(bad)} is not an identifier (${PARAM_NAME.source})`);
	const missing = placeholdersIn(sql).filter((name) => !Object.hasOwn(given, name));
	if (missing.length) throw new QueryParameterError(tag, `the statement uses {${missing.join('}, {')}} but no value was given for ${missing.length === 1 ? 'it' : 'them'}`);
	const names = Object.keys(given);
	if (names.length === 0) return undefined;
	// The name is an identifier (checked above); the value only ever inside the literal.
	const set = `SET ${names.map((name) => `param_${name} = ${stringLiteral(parameterText(given[name]))}`).join(', ')}`;
	const bytes = Buffer.byteLength(set);
	if (bytes > MAX_PARAMETER_BYTES) throw new QueryParameterError(tag, `the statement's parameters take ${bytes} bytes, more than the ${MAX_PARAMETER_BYTES} a statement may carry`);
	return set;
}
