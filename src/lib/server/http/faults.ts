import { QueryTimeoutError, WarehouseLockedError, WarehouseUnavailableError } from '../warehouse/index.js';

/**
 * Failures a person should be told about plainly (the app keeps serving, with
 * a banner and 503s) rather than shown as a crash.
 */
const UNREACHABLE = 'The warehouse is unreachable, so numbers cannot be loaded right now. Retry in a moment.';

export type FaultCode = 'warehouse_unavailable' | 'query_timeout' | 'disk_full';

export interface Fault {
	code: FaultCode;
	message: string;
}

/** ClickHouse NOT_ENOUGH_SPACE (243), or the OS saying the disk is full. */
export function isDiskFull(e: unknown): boolean {
	const err = e as { code?: string; message?: string; name?: string };
	return err?.name === 'WarehouseDiskFullError' || err?.code === '243' || err?.code === 'ENOSPC' || /NOT_ENOUGH_SPACE|No space left on device|Cannot reserve .* not enough space/i.test(err?.message ?? '');
}

export function classifyFault(e: unknown): Fault | undefined {
	if (e instanceof QueryTimeoutError) {
		return { code: 'query_timeout', message: `A query took longer than ${e.timeoutMs / 1000} s and was stopped. Try a shorter period or fewer breakdowns.` };
	}
	if (isDiskFull(e)) {
		return {
			code: 'disk_full',
			message: 'The warehouse disk is full: new data cannot be written. Everything already stored is intact; free disk space and retry.'
		};
	}
	if (e instanceof WarehouseUnavailableError || e instanceof WarehouseLockedError) {
		return { code: 'warehouse_unavailable', message: UNREACHABLE };
	}
	return undefined;
}

// The last fault seen, so every page can carry a banner until the warehouse answers again.
let last: (Fault & { at: number }) | undefined;

export function noteFault(f: Fault): void {
	last = { ...f, at: Date.now() };
}

export function noteHealthy(): void {
	last = undefined;
}

/** The banner text while a recent fault is unresolved (one minute). */
export function currentFaultBanner(now = Date.now()): string | undefined {
	return last && now - last.at < 60_000 ? last.message : undefined;
}

const HEALTH_KEY = Symbol.for('loopmeter.auth.health');
const health = ((globalThis as Record<symbol, unknown>)[HEALTH_KEY] ??= { at: 0, ok: true }) as { at: number; ok: boolean; pending?: Promise<boolean> };

/**
 * Whether the warehouse answers, for the page banner: a trivial query at most
 * every 10 s while healthy, every 2 s while not, never waiting more than 2 s
 * (panels catch their own errors, so the banner cannot rely on them failing).
 */
export async function warehouseAnswers(ping: () => Promise<unknown>, now = Date.now()): Promise<boolean> {
	if (now - health.at < (health.ok ? 10_000 : 2_000)) return health.ok;
	health.pending ??= Promise.race([
		ping().then(
			() => true,
			() => false
		),
		new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref())
	]).then((ok) => {
		health.at = Date.now();
		health.ok = ok;
		health.pending = undefined;
		if (ok) noteHealthy();
		else noteFault({ code: 'warehouse_unavailable', message: UNREACHABLE });
		return ok;
	});
	return health.pending;
}

export function forgetHealth(): void {
	health.at = 0;
	health.ok = true;
}
