import type { Random } from './random.js';
import { CLUSTERS, DAY, GPU_PRICES, type Story } from './scenario.js';

export interface FleetRow {
	cluster: string;
	gpu_type: string;
	validFromMs: number;
	/** Exclusive; undefined = open-ended. */
	validToMs: number | undefined;
	gpu_count: number;
	ownership: 'rented' | 'owned';
	rental_usd_per_gpu_hour?: number;
	purchase_usd_per_gpu?: number;
	amortization_months?: number;
	power_watts?: number;
	pue?: number;
	usd_per_kwh?: number;
	maintenance_usd_per_gpu_month?: number;
}

/**
 * The fleet of the story, GPU counts scaled with the number of users so that
 * utilization stays realistic at any --users:
 * - rent-h100-a rented from the start; at the price cut its rate drops and
 *   more GPUs are taken at the lower price (a new row; intervals never overlap);
 * - burst-h100-b rented at a premium while demand outgrows the first cluster,
 *   returned when the owned cluster arrives;
 * - own-h200-a bought, online from the owned-cluster day;
 * - own-b200-a, the next generation, bought near the end.
 * Owned rows carry only their site's power terms (PUE, electricity price): the
 * hardware's purchase, amortization, power draw and maintenance come from the
 * GPU type's price sheet (`priceSheetRows`).
 * `asFirstLoaded`: the fleet as first loaded, with the H100 rate after the price
 * cut mistyped (GPU_PRICES.h100RentalAfterFirstLoaded); the demo corrects it
 * after closing September. Without it: the corrected fleet.
 */
export function fleetRows(story: Story, users: number, opts: { asFirstLoaded?: boolean } = {}): FleetRow[] {
	const scale = users / 3000;
	const n = (base: number) => Math.max(1, Math.round(base * scale));
	const at = (day: number) => story.startMs + day * DAY;
	const { rented, burst, owned, nextGeneration } = CLUSTERS;
	return [
		{ cluster: rented.cluster, gpu_type: rented.gpu_type, validFromMs: at(0), validToMs: at(story.gpuPriceCutDay), gpu_count: n(rented.gpus), ownership: 'rented', rental_usd_per_gpu_hour: GPU_PRICES.h100RentalBefore },
		{ cluster: rented.cluster, gpu_type: rented.gpu_type, validFromMs: at(story.gpuPriceCutDay), validToMs: undefined, gpu_count: n(rented.gpus * (4 / 3)), ownership: 'rented', rental_usd_per_gpu_hour: opts.asFirstLoaded ? GPU_PRICES.h100RentalAfterFirstLoaded : GPU_PRICES.h100RentalAfter },
		{ cluster: burst.cluster, gpu_type: burst.gpu_type, validFromMs: at(story.burstClusterDay), validToMs: at(story.ownedClusterDay), gpu_count: n(burst.gpus), ownership: 'rented', rental_usd_per_gpu_hour: GPU_PRICES.burstRental },
		{ cluster: owned.cluster, gpu_type: owned.gpu_type, validFromMs: at(story.ownedClusterDay), validToMs: undefined, gpu_count: n(owned.gpus), ownership: 'owned', pue: GPU_PRICES.h200.pue, usd_per_kwh: GPU_PRICES.h200.usd_per_kwh },
		{ cluster: nextGeneration.cluster, gpu_type: nextGeneration.gpu_type, validFromMs: at(story.secondGenerationDay), validToMs: undefined, gpu_count: n(nextGeneration.gpus), ownership: 'owned', pue: GPU_PRICES.b200.pue, usd_per_kwh: GPU_PRICES.b200.usd_per_kwh }
	];
}

export interface PriceSheetRow {
	gpu_type: string;
	validFromMs: number;
	purchase_usd_per_gpu: number;
	amortization_months: number;
	power_watts: number;
	maintenance_usd_per_gpu_month: number;
}

/** gpu_price_sheets of the story: each owned generation's hardware price from the day it arrives. */
export function priceSheetRows(story: Story): PriceSheetRow[] {
	const sheet = (gpu_type: string, day: number, p: (typeof GPU_PRICES)['h200' | 'b200']): PriceSheetRow => ({
		gpu_type,
		validFromMs: story.startMs + day * DAY,
		purchase_usd_per_gpu: p.purchase_usd_per_gpu,
		amortization_months: p.amortization_months,
		power_watts: p.power_watts,
		maintenance_usd_per_gpu_month: p.maintenance_usd_per_gpu_month
	});
	return [sheet(CLUSTERS.owned.gpu_type, story.ownedClusterDay, GPU_PRICES.h200), sheet(CLUSTERS.nextGeneration.gpu_type, story.secondGenerationDay, GPU_PRICES.b200)];
}

/** GPUs provisioned per cluster at a moment. */
export function activeClusters(rows: readonly FleetRow[], ms: number): FleetRow[] {
	return rows.filter((r) => r.validFromMs <= ms && (r.validToMs === undefined || ms < r.validToMs));
}

/** Provisioned GPU-hours over [fromMs, toMs). */
export function provisionedGpuHours(rows: readonly FleetRow[], fromMs: number, toMs: number): number {
	let h = 0;
	for (const r of rows) {
		const a = Math.max(fromMs, r.validFromMs);
		const b = Math.min(toMs, r.validToMs ?? toMs);
		if (b > a) h += (r.gpu_count * (b - a)) / 3_600_000;
	}
	return h;
}

/**
 * The cluster a job lands on: weighted by GPUs, except that a newly arrived
 * cluster takes two weeks to be fully scheduled onto (idle cost shows it).
 */
export function pickCluster(rng: Random, rows: readonly FleetRow[], ms: number, story: Story): FleetRow {
	const active = activeClusters(rows, ms);
	const weights = active.map((r) => {
		const ageDays = (ms - r.validFromMs) / DAY;
		const ramp = r.ownership === 'owned' && story.ownedClusterDay > 0 ? Math.min(1, 0.35 + ageDays / 20) : 1;
		return r.gpu_count * ramp;
	});
	return active[rng.weightedIndex(weights)]!;
}

export interface InvoiceRow {
	invoice_id: string;
	provider: string;
	cluster: string;
	/** YYYY-MM-01 */
	month: string;
	amount_usd: string;
}

/** The rental providers of the story, by cluster. */
const PROVIDERS: Record<string, string> = { [CLUSTERS.rented.cluster]: 'gpucloud', [CLUSTERS.burst.cluster]: 'burstcompute' };

/**
 * Provider invoices (gpu_invoices) for the rented clusters, one per cluster and
 * month: the rented spend of the month, off by a small, fixed amount per month
 * (a rounding of metered hours, a late credit…) so reconciliation has
 * something to explain. No randomness: the other files stay byte-identical.
 */
export function invoiceRows(rows: readonly FleetRow[], story: Story): InvoiceRow[] {
	const DRIFT = [0.004, -0.002, 0, 0.011, -0.006, 0.002];
	const spend = new Map<string, number>();
	for (let ms = story.startMs; ms < story.endMs; ms += DAY) {
		const month = new Date(ms).toISOString().slice(0, 7);
		for (const r of rows) {
			if (r.ownership !== 'rented') continue;
			const hours = provisionedGpuHours([r], ms, ms + DAY);
			if (hours > 0) spend.set(`${r.cluster}|${month}`, (spend.get(`${r.cluster}|${month}`) ?? 0) + hours * r.rental_usd_per_gpu_hour!);
		}
	}
	return [...spend].map(([key, usd], i) => {
		const [cluster, month] = key.split('|') as [string, string];
		return {
			invoice_id: `${PROVIDERS[cluster] ?? 'provider'}-${cluster}-${month}`,
			provider: PROVIDERS[cluster] ?? 'provider',
			cluster,
			month: `${month}-01`,
			amount_usd: (usd * (1 + DRIFT[i % DRIFT.length]!)).toFixed(2)
		};
	});
}

/** Hourly cost of one GPU of a fleet row: its rental rate, or its generation's price sheet with the row's power terms. */
function hourlyRate(r: FleetRow): number {
	if (r.ownership === 'rented') return r.rental_usd_per_gpu_hour!;
	const sheet = r.gpu_type === CLUSTERS.nextGeneration.gpu_type ? GPU_PRICES.b200 : GPU_PRICES.h200;
	return sheet.purchase_usd_per_gpu / (sheet.amortization_months * 730) + (sheet.power_watts / 1000) * r.pue! * r.usd_per_kwh! + sheet.maintenance_usd_per_gpu_month / 730;
}

export interface BudgetRow {
	month: string;
	line: 'compute';
	scope: string;
	amount_usd: string;
}

/**
 * Company-wide compute budgets (budgets source) per month: the planned fleet's
 * spend, 3 % under it (rounded to $10), so the Budget panel shows a small
 * overrun; the month the B200 generation arrives was not budgeted for it. The
 * month after the story ends is budgeted too (the fleet as it stands), as a
 * company plans the month it is entering: the month-end forecast on the last
 * day of the data compares with it.
 */
export function budgetRows(rows: readonly FleetRow[], story: Story): BudgetRow[] {
	const spend = new Map<string, number>();
	const unplanned = CLUSTERS.nextGeneration.cluster;
	const last = new Date(story.endMs - DAY);
	const budgetedUntil = Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 2, 1);
	for (let ms = story.startMs; ms < budgetedUntil; ms += DAY) {
		const month = new Date(ms).toISOString().slice(0, 7);
		for (const r of rows) {
			if (r.cluster === unplanned) continue;
			spend.set(month, (spend.get(month) ?? 0) + provisionedGpuHours([r], ms, ms + DAY) * hourlyRate(r));
		}
	}
	return [...spend].map(([month, usd]) => ({ month: `${month}-01`, line: 'compute', scope: '', amount_usd: (Math.round((usd * 0.97) / 10) * 10).toFixed(2) }));
}
