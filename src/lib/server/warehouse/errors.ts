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

/**
 * The query needed more memory than the warehouse may use (MEMORY_LIMIT_EXCEEDED)
 * and was stopped; nothing else is affected. The limit is LOOPMETER_WAREHOUSE_MEMORY_MB
 * for the embedded warehouse, the server's own settings otherwise.
 */
export class QueryMemoryError extends Error {
	constructor(readonly tag: string, readonly limitMb: number | undefined, options?: { cause?: unknown }) {
		super(
			`The query "${tag}" needed more memory than the warehouse may use${limitMb ? ` (${limitMb} MiB, LOOPMETER_WAREHOUSE_MEMORY_MB)` : ''} and was stopped. Try a shorter period or fewer breakdowns${limitMb ? ', or raise LOOPMETER_WAREHOUSE_MEMORY_MB' : ''}.`,
			options
		);
		this.name = 'QueryMemoryError';
	}
}
