import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open } = useTempWarehouse('loopmeter-break-even-');
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { ingest } from '../../ingest/index.js';

/*
 * Break-even outlook on tests/fixtures/break-even/: one rented GPU at $1/h ($168 a week), busy all
 * the time (one job a week, Monday to Monday), so a week's margin per GPU-hour is (revenue − 168) / 168;
 * revenue is one ad-revenue day per week. Four 8-week scenarios, each read as of the Monday after:
 *   exact  (weeks from 2026-04-06, as of 06-01): y = −0.80 + 0.05·k — crosses at week index 16,
 *          x = 7·16 + 3.5 = 115.5 days after 04-06 → 2026-07-30, 59.5 days after the as-of day
 *          (x_now = 56); no residual, so the interval is that day.
 *   noisy  (from 06-01, as of 07-27): y = −.60 −.52 −.55 −.40 −.42 −.30 −.33 −.20, checked against
 *          least squares and Fieller's interval worked out below from the textbook formulas
 *          (x̄ = 28, Sxx = 2058, b = 0.0076190/day = 0.05333/week, crossing x = 82.47 → 2026-08-22,
 *          interval x ∈ [69.13, 106.76] → [2026-08-09, 2026-09-15] with t(0.975, 6) = 2.446912).
 *   flat   (from 07-27, as of 09-21): y = 0.5 every week → above zero and not falling: no crossing.
 *   slow   (from 09-21, as of 11-16): y = −0.80 + 0.005·k → crosses at week 160, years away:
 *          not within 12 months.
 */
const T_975_6 = 2.446911851; // Student t, 6 degrees of freedom, from tables
const CENT = 2;

const outlook = async (to: string) => (await runMetric({ metric: 'break_even_outlook', from: '2026-01-01', to, grain: 'total' })).response.rows[0]!;

/** Least squares and Fieller's interval, written out from the textbook, for the noisy scenario. */
function textbook(ys: number[]) {
	const xs = ys.map((_, k) => 7 * k + 3.5);
	const n = ys.length;
	const xm = xs.reduce((a, b) => a + b) / n;
	const ym = ys.reduce((a, b) => a + b) / n;
	const sxx = xs.reduce((a, x) => a + (x - xm) ** 2, 0);
	const b = xs.reduce((a, x, i) => a + (x - xm) * (ys[i]! - ym), 0) / sxx;
	const a = ym - b * xm;
	const s = Math.sqrt(xs.reduce((acc, x, i) => acc + (ys[i]! - a - b * x) ** 2, 0) / (n - 2));
	const g = (T_975_6 * s) ** 2;
	const [qa, qb, qc] = [b * b - g / sxx, 2 * ym * b, ym * ym - g / n];
	const root = Math.sqrt(qb * qb - 4 * qa * qc);
	return { b, s, cross: -a / b, low: xm + (-qb - root) / (2 * qa), high: xm + (-qb + root) / (2 * qa), trendAt: (x: number) => a + b * x };
}
const dayAfter = (origin: string, x: number) => new Date(Date.parse(`${origin}T00:00:00Z`) + Math.floor(x) * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
	await open();
	for (const source of ['gpu_fleet', 'generation_jobs', 'ad_revenue'] as const) {
		const path = fileURLToPath(new URL(`../fixtures/break-even/${source}.ndjson`, import.meta.url));
		const reports = await ingest({ source, paths: [path], format: 'ndjson', quiet: true, actor: 'break-even-test' });
		for (const r of reports) if (r.rows_rejected || r.outcome !== 'succeeded') throw new Error(`${source}: ${JSON.stringify(r.examples)}`);
	}
});

describe('break-even outlook on hand-computed weekly margins', () => {
	it('finds the exact crossing of 8 weekly margins on a line: 2026-07-30, 59.5 days ahead, interval that day', async () => {
		const r = await outlook('2026-06-01');
		expect(r.outlook).toBe('crosses_up');
		expect(r.weeks).toBe(8);
		expect(r.slope_per_week as number).toBeCloseTo(0.05, 6);
		expect(r.trend_now as number).toBeCloseTo(-0.8 + 0.05 * 7.5, 6);
		expect(r.value as number).toBeCloseTo(59.5, CENT);
		expect(r.crossing_date).toBe('2026-07-30');
		expect(r.crossing_low).toBe('2026-07-30');
		expect(r.crossing_high).toBe('2026-07-30');
		expect(r.origin).toBe('2026-04-06');
	});

	it('fits noisy margins as least squares does, with Fieller\'s interval for the crossing', async () => {
		const ys = [-0.6, -0.52, -0.55, -0.4, -0.42, -0.3, -0.33, -0.2];
		const want = textbook(ys);
		const r = await outlook('2026-07-27');
		expect(r.outlook).toBe('crosses_up');
		expect(r.slope_per_day as number).toBeCloseTo(want.b, 9);
		expect(r.residual_sd as number).toBeCloseTo(want.s, 9);
		expect(r.t_quantile as number).toBeCloseTo(T_975_6, 6);
		expect(r.trend_now as number).toBeCloseTo(want.trendAt(56), 9);
		expect(r.value as number).toBeCloseTo(want.cross - 56, CENT);
		expect(r.crossing_date).toBe(dayAfter('2026-06-01', want.cross));
		expect(r.crossing_low).toBe(dayAfter('2026-06-01', want.low));
		expect(r.crossing_high).toBe(dayAfter('2026-06-01', want.high));
		// The same numbers, worked out by hand once: a guard on the textbook function above.
		expect([r.crossing_date, r.crossing_low, r.crossing_high]).toEqual(['2026-08-22', '2026-08-09', '2026-09-15']);
	});

	it('flat positive margins: already above zero and not falling, no crossing within 12 months', async () => {
		const r = await outlook('2026-09-21');
		expect(r.outlook).toBe('above_not_falling');
		expect(r.value).toBeNull();
		expect(r.crossing_date).toBeNull();
		expect(r.trend_now as number).toBeCloseTo(0.5, 6);
	});

	it('a rise too slow to cross within 12 months says so, with no date', async () => {
		const r = await outlook('2026-11-16');
		expect(r.outlook).toBe('not_within_12_months');
		expect(r.value).toBeNull();
		expect(r.crossing_date).toBeNull();
	});

	it('needs three weeks with GPU-hours, and lists the weekly points behind it', async () => {
		const early = await outlook('2026-04-20');
		expect(early.outlook).toBe('insufficient_data');
		expect(early.weeks).toBe(2);
		const d = await runDrilldown({ metric: 'break_even_outlook', from: '2026-01-01', to: '2026-06-01' });
		expect(d.rows.map((w) => w.week)).toEqual(['2026-05-25', '2026-05-18', '2026-05-11', '2026-05-04', '2026-04-27', '2026-04-20', '2026-04-13', '2026-04-06']);
		expect(Number(d.rows[0]!.margin_per_gpu_hour)).toBeCloseTo(-0.45, 6);
		// At other grains: the same one outlook, in the request's last period.
		const weekly = (await runMetric({ metric: 'break_even_outlook', from: '2026-01-01', to: '2026-06-01', grain: 'week' })).response.rows;
		expect(weekly.map((r) => [r.period, r.crossing_date])).toEqual([['2026-05-25', '2026-07-30']]);
	});
});
