import { getWarehouse, openLane, type Lane, type Warehouse } from '../warehouse/index.js';

/**
 * Health checks, sign-in and sessions, and the small lists of the app's own
 * tables the admin pages show (API tokens, closed months, budget lines), run
 * on their own warehouse connection, never in the queue of the panels: behind
 * a viewer's 10-second query /healthz took 10 seconds and a load balancer took
 * the app for dead, and behind uncached panels the admin pages took 1–5 s in
 * the think-time model. No panel runs here, so nothing here waits for one.
 * Typed parameters travel as this connection's own settings
 * (warehouse/query-params.ts), so they do not wait for other connections either.
 */
const KEY = Symbol.for('loopmeter.http.control-lane');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= {}) as { lane?: Promise<Lane>; for?: Warehouse };

/** The lane of the warehouse open now: reopened when the warehouse was closed and opened again (or moved). */
async function lane(): Promise<Lane> {
	// Throws when the warehouse cannot be opened: health then says so.
	const wh = await getWarehouse();
	if (slot.for !== wh) {
		const stale = slot.lane;
		slot.for = wh;
		slot.lane = openLane().catch((e) => {
			slot.lane = undefined;
			slot.for = undefined;
			throw e;
		});
		void stale?.then((l) => l.close()).catch(() => undefined);
	}
	return slot.lane!;
}

/**
 * The control lane itself, for sign-in and session work (auth/mirror.ts):
 * plain whole-table reads and `insert()` of JSONEachRow rows only.
 */
export function controlLane(): Promise<Lane> {
	return lane();
}

/** `SELECT 1` on the control lane: resolves when the warehouse answers. */
export async function pingWarehouse(tag: string): Promise<void> {
	await (await lane()).query('SELECT 1 AS ok', { tag });
}
