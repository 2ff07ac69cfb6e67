import { query } from '../warehouse/index.js';

/**
 * The demo scenario is recognised by its ingest runs (the demo loads its files
 * through the real ingest path with actor 'demo'). Once seen it stays seen; an
 * absence is re-checked every few seconds because `npm start` loads the demo
 * while the server is already up.
 */
const KEY = Symbol.for('loopmeter.auth.demo');
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { loaded: false, checkedAt: 0 }) as { loaded: boolean; checkedAt: number };

export async function demoLoaded(now = Date.now()): Promise<boolean> {
	if (state.loaded) return true;
	if (now - state.checkedAt < 5_000) return false;
	state.checkedAt = now;
	const rows = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ingest_runs WHERE actor = {actor:String}`, {
		tag: 'auth:demo-loaded',
		params: { actor: 'demo' }
	});
	state.loaded = Number(rows[0]?.n ?? 0) > 0;
	return state.loaded;
}

export function forgetDemoCheck(): void {
	state.loaded = false;
	state.checkedAt = 0;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
export const isLoopback = (address: string) => LOOPBACK.has(address) || /^127\./.test(address) || /^::ffff:127\./.test(address);

export const DEMO_BANNER =
	'Demo mode: you are signed in automatically as a demo admin because this browser runs on the same machine. Set LOOPMETER_DEMO_LOGIN=0 to turn this off.';
