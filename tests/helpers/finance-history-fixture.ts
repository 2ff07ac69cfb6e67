import { fileURLToPath } from 'node:url';
import { ingest } from '../../ingest/index.js';
import { changeMonthClose } from '../../src/lib/server/finance-history/index.js';
import { query } from '../../src/lib/server/warehouse/index.js';

/*
 * Rate history on a hand fixture (tests/fixtures/finance/history_*), months September and October 2026.
 * rent-h H100 × 2 from 09-01, open-ended, rented.
 *   Load 1: $1.50 / GPU-h. September 30 d × 48 GPU-h = 1440 GPU-h → $2160.00; October 31 d × 48 = 1488 GPU-h → $2232.00.
 *   September is closed after load 1 (its reported figures: as of the close).
 *   Load 2 (a correction): $1.75. September 1440 × 1.75 = $2520.00 (+$360.00); October 1488 × 1.75 = $2604.00 (+$372.00).
 * Ad revenue (no impressions, so unallocated): September $3000.00, October $2500.00.
 *   Margin = revenue − spend: September 840.00 reported → 480.00 now (−360.00); October 268.00 → −104.00 (−372.00).
 */
export const HISTORY_PERIOD = { from: '2026-09-01', to: '2026-11-01' };

export const financeFixture = (name: string) => fileURLToPath(new URL(`../fixtures/finance/${name}`, import.meta.url));

export const loadFinanceFixture = async (source: 'gpu_fleet' | 'ad_revenue' | 'generation_jobs', file: string) =>
	(await ingest({ source, paths: [financeFixture(file)], format: 'ndjson', quiet: true, actor: 'finance-history-test' }))[0]!;

/** Every load time of gpu_fleet rows, oldest first. */
export const fleetLoadTimes = async () =>
	(await query<{ t: string }>(`SELECT toString(loaded_at) AS t FROM gpu_fleet_versions ORDER BY loaded_at`, { tag: 'test:loaded-at' })).map(
		(r) => new Date(`${r.t.replace(' ', 'T')}Z`)
	);

export interface HistoryMoments {
	firstLoad: Date;
	closedAt: Date;
	secondLoad: Date;
}

/** Loads the fixture on an open warehouse: revenue, the first fleet load, September closed, then the correction. */
export async function buildRateHistory(): Promise<HistoryMoments> {
	await loadFinanceFixture('ad_revenue', 'history_ad_revenue.ndjson');
	const first = await loadFinanceFixture('gpu_fleet', 'history_fleet_v1.ndjson');
	if (first.rows_loaded !== 1) throw new Error(`first fleet load: ${JSON.stringify(first)}`);
	const firstLoad = (await fleetLoadTimes())[0]!;
	// Closed a little after the first load, and the correction a little after the close: three distinct milliseconds.
	await new Promise((r) => setTimeout(r, 20));
	const closedAt = new Date();
	await changeMonthClose({ month: '2026-09', note: 'September books' }, 'finance-history-test', { now: closedAt });
	await new Promise((r) => setTimeout(r, 20));
	const second = await loadFinanceFixture('gpu_fleet', 'history_fleet_v2.ndjson');
	if (second.rows_loaded !== 1) throw new Error(`correction load: ${JSON.stringify(second)}`);
	const secondLoad = (await fleetLoadTimes())[1]!;
	return { firstLoad, closedAt, secondLoad };
}
