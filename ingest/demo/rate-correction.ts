import type { IngestReport } from '../../src/lib/contracts/ingest.js';
import type { GeneratedFile } from './generate.js';

/**
 * The demo's rate correction (docs/finance.md "Rate history, as-of and closed
 * months"): the month of the H100 price cut is closed as first reported, then
 * the fleet is loaded again with the mistyped rental rate corrected, so the
 * Compute page shows the closed month as reported beside its restatement.
 * A month that has not ended by the clock cannot be closed: the correction is
 * then loaded without the close (and said so).
 */
export async function loadRateCorrection(file: GeneratedFile, say: (m: string) => void): Promise<IngestReport[]> {
	const { changeMonthClose, closedMonths } = await import('../../src/lib/server/finance-history/index.js');
	const { ingest } = await import('../index.js');
	const month = file.correctsClosedMonth!;
	if (!(await closedMonths()).has(`${month}-01`)) {
		try {
			const m = await changeMonthClose({ month, note: 'Books closed (demo)' }, 'demo');
			say(`closed ${month}: its figures are kept as reported at ${m.as_of}`);
		} catch (e) {
			say(`${month} not closed: ${(e as Error).message}`);
		}
	}
	// Loaded strictly after the close, so the close's as_of precedes the correction's load time.
	await new Promise((r) => setTimeout(r, 5));
	const reports = await ingest({ source: 'gpu_fleet', paths: [file.path], quiet: true, actor: 'demo', via: 'demo' });
	for (const r of reports) {
		if (r.outcome !== 'succeeded') throw new Error(`demo: loading ${file.path} ${r.outcome}: ${r.message}`);
		say(`loaded gpu_fleet ${r.file}: the rental rate corrected after ${month} was closed (${r.rows_loaded} row changed, ${r.rows_duplicate} unchanged)`);
	}
	return reports;
}

/** Whether the demo's fleet was loaded before (a second `loopmeter demo` on the same warehouse). */
export async function fleetLoadedBefore(): Promise<boolean> {
	const { query } = await import('../../src/lib/server/warehouse/index.js');
	const [row] = await query<{ n: string }>('SELECT toString(count()) AS n FROM gpu_fleet_versions', { tag: 'demo:fleet-loaded' });
	return Number(row?.n ?? 0) > 0;
}
