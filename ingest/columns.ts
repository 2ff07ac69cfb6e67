import { IngestFileError } from './errors.js';
import type { SourceSpec } from './sources/index.js';

const plural = (n: number) => (n > 1 ? 's' : '');

/** A column absent from every record of the first batch is missing from the file, not from some rows. */
export function checkNdjsonColumns(spec: SourceSpec, name: string, objects: Record<string, unknown>[]): void {
	if (!objects.length) return;
	const missing = spec.requiredColumns.filter((c) => objects.every((o) => o[c] === undefined));
	if (missing.length) {
		throw new IngestFileError(name, `required column${plural(missing.length)} ${missing.join(', ')} missing (absent from all of the first ${objects.length} records)`);
	}
}

/** A CSV header must name every required column; columns the source does not have are noted in `extra`. */
export function checkCsvHeader(spec: SourceSpec, name: string, header: string[], extra: Set<string>): void {
	const missing = spec.requiredColumns.filter((c) => !header.includes(c));
	if (missing.length) throw new IngestFileError(name, `required column${plural(missing.length)} ${missing.join(', ')} missing from the header`);
	for (const h of header) if (!spec.columnNames.includes(h)) extra.add(h);
}
