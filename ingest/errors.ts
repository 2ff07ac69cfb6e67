/**
 * A file that cannot be ingested at all (unreadable, wrong format, missing
 * column…). The message is one line naming the file and why; the CLI prints it
 * as is, never a stack trace.
 */
export class IngestFileError extends Error {
	constructor(
		readonly file: string,
		reason: string
	) {
		super(`${file}: ${reason}`);
		this.name = 'IngestFileError';
	}
}

/** Bad options (unknown source, bad --max-errors…): the caller's mistake, not the file's. */
export class IngestUsageError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IngestUsageError';
	}
}
