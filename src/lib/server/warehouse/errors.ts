/** Errors a user can act on; everything else is a bug and is logged, not shown. */
export class WarehouseUnavailableError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'WarehouseUnavailableError';
	}
}

export class QueryTimeoutError extends Error {
	constructor(readonly tag: string, readonly timeoutMs: number) {
		super(`The query "${tag}" took longer than ${timeoutMs / 1000} s and was stopped.`);
		this.name = 'QueryTimeoutError';
	}
}
