import Papa from 'papaparse';

/** RFC 4180 CSV of rows (header from the union of keys, in first-seen order). */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
	const fields = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
	return Papa.unparse({ fields: [...fields], data: rows.map((r) => fields.map((f) => r[f] ?? '')) }, { newline: '\n' }) + '\n';
}
