import { query } from '../src/lib/server/warehouse/index.js';
import type { Rejection } from './fields.js';

/** The fleet columns a price sheet can supply, and what a fleet row says about them. */
interface OwnedRow {
	gpu_type: string;
	ownership: string;
	/** 'YYYY-MM-DD HH:MM:SS.mmm' UTC: string order is time order. */
	valid_from: string;
	purchase_usd_per_gpu: string;
	amortization_months: number;
	power_watts: string;
}

/** A row that leaves any of these empty (0) takes them from the sheet in force. */
export const usesPriceSheet = (r: OwnedRow) =>
	r.ownership === 'owned' && (Number(r.purchase_usd_per_gpu) === 0 || r.amortization_months === 0 || Number(r.power_watts) === 0);

/** First valid_from of the loaded sheets per GPU type (milliseconds form). */
async function firstSheetPerType(): Promise<Map<string, string>> {
	const rows = await query<{ gpu_type: string; first: string }>(
		`SELECT toString(gpu_type) AS gpu_type, formatDateTime(min(valid_from), '%Y-%m-%d %H:%i:%S.%f') AS first
		 FROM gpu_price_sheets FINAL GROUP BY gpu_type`,
		{ tag: 'ingest.price_sheets.first' }
	);
	return new Map(rows.map((r) => [r.gpu_type, r.first.slice(0, 23)]));
}

/**
 * Owned fleet rows priced by the sheets need a sheet of their GPU type in force
 * from their first moment; otherwise their capacity would cost nothing, silently.
 * Returns rejections by row index (load gpu_price_sheets before such fleet rows).
 */
export async function fleetRowsWithoutSheet(rows: readonly OwnedRow[]): Promise<Map<number, Rejection>> {
	const rejected = new Map<number, Rejection>();
	if (!rows.some(usesPriceSheet)) return rejected;
	const first = await firstSheetPerType();
	rows.forEach((r, i) => {
		if (!usesPriceSheet(r)) return;
		const from = first.get(r.gpu_type);
		if (from !== undefined && from <= r.valid_from) return;
		const rule = 'is empty and no gpu_price_sheets row is in force';
		rejected.set(i, {
			field: Number(r.purchase_usd_per_gpu) === 0 ? 'purchase_usd_per_gpu' : r.amortization_months === 0 ? 'amortization_months' : 'power_watts',
			rule,
			message: `${rule} for ${r.gpu_type} at ${r.valid_from}${from ? ` (the first sheet starts ${from})` : ''}: give the price on the row or load the price sheet first`
		});
	});
	return rejected;
}
