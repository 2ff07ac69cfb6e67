import Papa from 'papaparse';

/**
 * The one CSV writer: every export (server endpoints, the CLI, tables built in
 * the browser) goes through it, so a cell from data can never act as a
 * spreadsheet formula. tests/unit/csv.test.ts checks that nothing else in src/
 * writes CSV.
 */

/** A number written as text (`-12.5`, `+3`, `1e-5`) is a value, not a formula. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What makes Excel, LibreOffice and Google Sheets read a cell as a formula (or DDE). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell made inert: text starting like a formula gets a leading `'`, which
 * spreadsheets show as text and never evaluate (OWASP's CSV-injection advice).
 * Numbers, and text that is a plain number, are left as they are.
 */
export function csvCell(value: unknown): unknown {
	if (value === null || value === undefined) return '';
	if (typeof value !== 'string') return value;
	return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value;
}

/** CSV lines (no header) for `rows`, in the order of `fields`. */
export function csvLines(rows: readonly Record<string, unknown>[], fields: readonly string[]): string {
	if (rows.length === 0) return '';
	return Papa.unparse(rows.map((r) => fields.map((f) => csvCell(r[f]))), { newline: '\n' }) + '\n';
}

/** The header line. */
export function csvHeader(fields: readonly string[]): string {
	return Papa.unparse([fields.map((f) => csvCell(f))], { newline: '\n' }) + '\n';
}

/** RFC 4180 CSV of rows (header from the union of keys, in first-seen order). */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
	const fields = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
	return csvHeader(fields) + csvLines(rows, fields);
}
