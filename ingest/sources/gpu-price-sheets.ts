import { z } from 'zod';
import { decimal, int, text, timestamp } from '../fields.js';
import { defineSource } from './spec.js';

/**
 * What owned hardware of one GPU type (generation) costs from `valid_from` on:
 * owned gpu_fleet rows that leave these columns empty take them from the sheet
 * in force (sql/metrics/fleet_gpu_hours.sql), so a fleet file need not repeat
 * the price of every cluster, and a new generation's price applies from its date.
 */
export const gpuPriceSheetRow = z.object({
	gpu_type: text(),
	valid_from: timestamp(),
	purchase_usd_per_gpu: decimal({ above: 0 }),
	amortization_months: int({ min: 1, max: 65_535 }),
	power_watts: decimal({ above: 0 }),
	maintenance_usd_per_gpu_month: decimal({ min: 0 }, { default: '0' })
});
export type GpuPriceSheetRow = z.infer<typeof gpuPriceSheetRow>;

export default defineSource({
	source: 'gpu_price_sheets',
	table: 'gpu_price_sheets',
	describes: 'What owned hardware of one GPU type costs from valid_from on; owned gpu_fleet rows that leave purchase, amortization or power empty are priced by the sheet in force.',
	columns: gpuPriceSheetRow,
	key: ['gpu_type', 'valid_from'],
	keep: 'latest'
});
