import { closeSync, openSync, writeSync } from 'node:fs';

/** Buffered, synchronous line writer: output order is exactly call order, so files are byte-identical per seed. */
class LineFile {
	private fd: number;
	private chunks: string[] = [];
	private size = 0;
	rows = 0;

	constructor(readonly path: string) {
		this.fd = openSync(path, 'w');
	}

	protected line(s: string): void {
		this.chunks.push(s);
		this.size += s.length;
		// Small batches: lines die young instead of surviving into the old generation (GC time).
		if (this.size > 1 << 16) this.flush();
	}

	private flush(): void {
		if (!this.chunks.length) return;
		writeSync(this.fd, this.chunks.join(''));
		this.chunks = [];
		this.size = 0;
	}

	close(): void {
		this.flush();
		closeSync(this.fd);
	}
}

/** One JSON object per line; keys in the order given. */
export class NdjsonFile extends LineFile {
	write(row: object): void {
		this.rows++;
		this.line(JSON.stringify(row) + '\n');
	}
}

/** CSV with a header row; arrays are `;`-joined as docs/data.md says, strings quoted when needed. */
export class CsvFile<K extends string> extends LineFile {
	constructor(
		path: string,
		private readonly columns: readonly K[]
	) {
		super(path);
		this.line(columns.join(',') + '\n');
	}

	write(row: Partial<Record<K, string | number | boolean | null | readonly string[]>>): void {
		this.rows++;
		this.line(this.columns.map((c) => csvCell(row[c])).join(',') + '\n');
	}

	/** A pre-built line (ending in a newline) whose values never need quoting. */
	writeLine(line: string): void {
		this.rows++;
		this.line(line);
	}
}

function csvCell(v: string | number | boolean | null | undefined | readonly string[]): string {
	if (v === null || v === undefined) return '';
	const s = Array.isArray(v) ? v.join(';') : String(v);
	return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
