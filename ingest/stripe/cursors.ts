import { getWarehouse, query } from '../../src/lib/server/warehouse/index.js';
import { chTime } from './version.js';

/**
 * Named cursors in stripe_cursors: 'events' (newest event id applied by sync)
 * and 'backfill:<resource>' (last id stored, or 'done'). Latest write wins.
 */
let lastWrite = 0;

export async function readCursor(name: string): Promise<string | undefined> {
	const rows = await query<{ value: string }>(
		'SELECT argMax(value, updated_at) AS value FROM stripe_cursors WHERE name = {name:String} GROUP BY name',
		{ tag: 'stripe:cursor', params: { name } }
	);
	return rows[0]?.value || undefined;
}

export async function writeCursor(name: string, value: string): Promise<void> {
	// Strictly increasing timestamps, so two writes in one millisecond still order.
	lastWrite = Math.max(Date.now(), lastWrite + 1);
	const wh = await getWarehouse();
	await wh.client.insert({ table: 'stripe_cursors', format: 'JSONEachRow', values: [{ name, value, updated_at: chTime(lastWrite / 1000) }] });
}

export async function listCursors(): Promise<{ name: string; current: string; last_update: string }[]> {
	return query('SELECT name, argMax(value, updated_at) AS current, max(updated_at) AS last_update FROM stripe_cursors GROUP BY name ORDER BY name', { tag: 'stripe:cursors' });
}
