import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open } = useTempWarehouse('loopmeter-price-sheets-');
import { ingest } from '../../ingest/index.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';

/*
 * gpu_price_sheets (tests/fixtures/finance/), period [2026-10-01, 2026-10-04).
 * Sheets:
 *   H200 from 10-01 00:00: 21900 / (30 × 730) = $1.00 amortization, 1000 W, maintenance 73 / 730 = $0.10.
 *   H200 from 10-02 12:00: 10950 / 21900 = $0.50, 800 W, 36.5 / 730 = $0.05.
 *   B200 from 10-02 00:00 (a new generation): 43800 / 21900 = $2.00, 1500 W, 146 / 730 = $0.20.
 *   B300: amortization_months 0 → rejected, naming the field.
 * Fleet (prices left empty unless said):
 *   own-b H200 × 4 from 10-01, PUE 1.5, $0.10/kWh: $1.00 + 1.0 × 1.5 × 0.10 + 0.10 = $1.25 until 10-02 12:00,
 *     then $0.50 + 0.8 × 1.5 × 0.10 + 0.05 = $0.67.
 *     10-01 96 h × 1.25 = 120; 10-02 48 h × 1.25 + 48 h × 0.67 = 92.16; 10-03 96 h × 0.67 = 64.32 → 276.48.
 *   own-c B200 × 2 from 10-02, PUE 1.2: $2.00 + 1.5 × 1.2 × 0.10 + 0.20 = $2.38 → 2 days × 48 h × 2.38 = 228.48.
 *   own-d H200 × 1 with its own price (21900 / 30 months, 1000 W, PUE 1.0, $0.20/kWh, no maintenance): $1.20 → 72 h = 86.40.
 *   own-e GB300: no sheet → rejected. own-f H200 from 09-01: before the first H200 sheet → rejected.
 * Spend 276.48 + 228.48 + 86.40 = 591.36; amortization 96 + 72 + 48 + 192 + 72 = 480.
 */
const PERIOD = { from: '2026-10-01', to: '2026-10-04' };
const CENT = 2;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/finance/${name}`, import.meta.url));
const load = async (source: 'gpu_price_sheets' | 'gpu_fleet', file: string): Promise<IngestReport> =>
	(await ingest({ source, paths: [fixture(file)], format: 'ndjson', quiet: true, actor: 'price-sheet-test' }))[0]!;
const total = async (extra: object = {}) => (await runMetric({ metric: 'compute_spend', ...PERIOD, grain: 'total', ...extra })).response.rows;

let sheets: IngestReport;
let fleet: IngestReport;
beforeAll(async () => {
	await open();
	sheets = await load('gpu_price_sheets', 'gpu_price_sheets.ndjson');
	fleet = await load('gpu_fleet', 'gpu_fleet_priced_by_sheets.ndjson');
});

describe('owned fleet rows priced by gpu_price_sheets', () => {
	it('loads the sheets and rejects a bad one naming its line and field', () => {
		expect(sheets.rows_loaded).toBe(3);
		expect(sheets.rows_rejected).toBe(1);
		expect(sheets.examples[0]).toMatchObject({ line: 4, field: 'amortization_months' });
	});

	it('rejects owned rows with no sheet in force, naming the GPU type and the field', () => {
		expect(fleet.rows_loaded).toBe(3);
		expect(fleet.rows_rejected).toBe(2);
		const byLine = Object.fromEntries(fleet.examples.map((e) => [e.line, e]));
		expect(byLine[4]!.field).toBe('purchase_usd_per_gpu');
		expect(byLine[4]!.reason).toMatch(/no gpu_price_sheets row is in force for GB300/);
		expect(byLine[5]!.reason).toMatch(/for H200 at 2026-09-01.*the first sheet starts 2026-10-01/);
	});

	it('prices each day by the sheet in force, a new sheet from its valid_from, to the cent', async () => {
		const [all] = await total();
		expect(all!.value as number).toBeCloseTo(591.36, CENT);
		const days = Object.fromEntries(
			(await runMetric({ metric: 'compute_spend', ...PERIOD, grain: 'day', group_by: ['cluster'] })).response.rows.map((r) => [`${r.period}|${r.cluster}`, r.value as number])
		);
		expect(days['2026-10-01|own-b']).toBeCloseTo(120, CENT);
		expect(days['2026-10-02|own-b']).toBeCloseTo(92.16, CENT);
		expect(days['2026-10-03|own-b']).toBeCloseTo(64.32, CENT);
		expect(days['2026-10-02|own-c']).toBeCloseTo(114.24, CENT);
		expect(days['2026-10-01|own-c']).toBeUndefined();
		expect(days['2026-10-03|own-d']).toBeCloseTo(28.8, CENT);
	});

	it('splits the sheet-priced spend into its components, and provisioned hours are unchanged by the split', async () => {
		const c = Object.fromEntries((await total({ group_by: ['cost_component'] })).map((r) => [r.cost_component, r.value as number]));
		expect(c.amortization).toBeCloseTo(480, CENT);
		const [h] = (await runMetric({ metric: 'provisioned_gpu_hours', ...PERIOD, grain: 'total' })).response.rows;
		expect(h!.value as number).toBeCloseTo(288 + 96 + 72, 6);
	});
});
