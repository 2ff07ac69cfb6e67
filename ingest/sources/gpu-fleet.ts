import { z } from 'zod';
import { decimal, int, oneOf, text, timestamp } from '../fields.js';
import { fleetOverlaps } from '../cross-row.js';
import { fleetRowsWithoutSheet } from '../price-sheets.js';
import { check, defineSource, type RuleIssue } from './spec.js';

/**
 * Provisioned capacity and its price over a half-open interval. Which price
 * columns are needed depends on ownership, so that rule is a refinement.
 * Overlapping intervals of one cluster + GPU type are a cross-row rule checked
 * by the ingest pass (see ../cross-row.ts), hence `wholeFile`. An owned row
 * that leaves purchase, amortization or power empty is priced by the loaded
 * gpu_price_sheets (../price-sheets.ts rejects it when no sheet is in force).
 */
export const gpuFleetRow = z.object({
	cluster: text(),
	gpu_type: text(),
	valid_from: timestamp(),
	valid_to: timestamp({ optional: true }),
	gpu_count: int({ min: 0, max: 4_294_967_295 }),
	ownership: oneOf(['rented', 'owned']),
	rental_usd_per_gpu_hour: decimal({ min: 0 }, { default: '0' }),
	purchase_usd_per_gpu: decimal({ min: 0 }, { default: '0' }),
	amortization_months: int({ min: 0, max: 65_535 }, { default: 0 }),
	power_watts: decimal({ min: 0 }, { default: '0' }),
	pue: decimal({ min: 0 }, { default: '0' }),
	usd_per_kwh: decimal({ min: 0 }, { default: '0' }),
	maintenance_usd_per_gpu_month: decimal({ min: 0 }, { default: '0' })
});
export type GpuFleetRow = z.infer<typeof gpuFleetRow>;

export default defineSource({
	source: 'gpu_fleet',
	table: 'gpu_fleet',
	describes: 'Provisioned GPU capacity of one cluster and GPU type over a half-open interval [valid_from, valid_to), with its price.',
	columns: gpuFleetRow,
	rules: (f) => {
		const issues: RuleIssue[] = [];
		if (f.valid_to !== null) check(issues, f.valid_to > f.valid_from, 'valid_to', 'must be after valid_from', `(${f.valid_from}), got ${f.valid_to}`);
		if (f.ownership === 'rented') {
			check(issues, Number(f.rental_usd_per_gpu_hour) > 0, 'rental_usd_per_gpu_hour', 'is required (> 0) for rented GPUs');
		} else {
			// Purchase, amortization and power may be left empty: they then come from the
			// gpu_price_sheets row in force (checked against the loaded sheets by ../price-sheets.ts).
			check(issues, Number(f.pue) >= 1, 'pue', 'must be ≥ 1 for owned GPUs');
			check(issues, Number(f.usd_per_kwh) > 0, 'usd_per_kwh', 'is required (> 0) for owned GPUs');
		}
		return issues;
	},
	ruleNotes: [
		'valid_to, when given, must be after valid_from.',
		'Rented GPUs need rental_usd_per_gpu_hour > 0.',
		'Owned GPUs need pue ≥ 1 and usd_per_kwh > 0; purchase_usd_per_gpu, amortization_months and power_watts may be left empty (0), and are then taken from the gpu_price_sheets row in force for the GPU type, which must exist from the row’s valid_from.',
		'Intervals of one cluster and GPU type must not overlap, in the file or with what is already loaded (the whole file is checked before any row lands).'
	],
	key: ['cluster', 'gpu_type', 'valid_from'],
	keep: 'latest',
	wholeFile: true,
	hooks: {
		// Overlaps first; a row that overlaps nothing can still lack a price sheet in force.
		crossRowRejections: async (rows, lines) => {
			const rejected = await fleetOverlaps(rows as never, lines);
			for (const [i, r] of await fleetRowsWithoutSheet(rows as never)) if (!rejected.has(i)) rejected.set(i, r);
			return rejected;
		}
	}
});
