import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { runDemo, storyFor } from '../../ingest/demo/index.js';
import type { Dimension, MetricId } from '../../src/lib/contracts/metrics.js';
import { DRILL_MAX_ROWS, runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { listMetrics, supportedDimensions, type MetricDefinition } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { GET as rowsGET } from '../../src/routes/api/v1/metrics/[id]/rows/+server.js';

/**
 * Every number on a page is traceable to its rows: for each registered metric
 * with a drill-down, on a tiny demo warehouse, the drill-down answers (server
 * function, JSON route, CSV route) for a default period and under a filter, has
 * rows whenever the metric is non-zero, and — where the drill file's header says
 * its column adds up to the metric — the sum matches.
 */
useTempWarehouse('loopmeter-drill-');

const DAYS = 35;
const story = storyFor(DAYS);
// The last two weeks of the scenario: late enough that the 7-day windows
// (return rate, cohort watch) and the rolled-out arm have data.
const PERIOD = { from: story.date(DAYS - 14), to: story.date(DAYS) };

/**
 * Metrics without a drill-down, each with the reason. A new metric must either
 * declare a drill-down or be added here.
 */
const NO_DRILLDOWN: Partial<Record<MetricId, string>> = {
	slop_index: 'a composite of other indicators scaled to their baselines; its info dialog lists the components, each with its own drill-down'
};

/**
 * Drill-downs whose header comment says a column sums to the metric (grain
 * total, same period and filters). `rows` means the metric counts the rows.
 */
const ADDS_UP: Partial<Record<MetricId, string>> = {
	watch_hours: 'watch_hours',
	utilized_gpu_hours: 'gpu_hours',
	provisioned_gpu_hours: 'provisioned_gpu_hours',
	compute_spend: 'spend_usd',
	dead_compute: 'gpu_hours',
	ad_revenue: 'revenue_usd',
	revenue: 'revenue_usd',
	subscription_revenue: 'amount_usd',
	mrr: 'mrr_usd',
	mrr_movements: 'delta',
	sessions: 'rows'
};

const drillable = () => listMetrics().filter((m) => m.drilldown);

async function metricTotal(def: MetricDefinition, filters: Partial<Record<Dimension, string[]>> = {}): Promise<number> {
	const { response } = await runMetric({ metric: def.id, ...PERIOD, grain: 'total', filters });
	return response.rows.reduce((s, r) => s + (typeof r.value === 'number' ? r.value : Number(r.value ?? 0)), 0);
}

async function route(id: string, qs: string): Promise<Response> {
	const url = new URL(`http://x/api/v1/metrics/${id}/rows?${qs}`);
	try {
		return await rowsGET({ params: { id }, url, request: new Request(url), locals: { auth: { kind: 'session', user: { name: 'test', role: 'admin' } } } } as never);
	} catch (e) {
		const err = e as { status?: number; body?: { message?: string } };
		throw new Error(`${id}?${qs}: ${err.status ?? ''} ${err.body?.message ?? String(e)}`);
	}
}

function columnSum(rows: Record<string, unknown>[], col: string): number {
	if (col === 'rows') return rows.length;
	return rows.reduce<number>((s, r) => s + Number(r[col] ?? 0), 0);
}

beforeAll(async () => {
	await runDemo({ users: 150, days: DAYS });
}, 600_000);

describe('drill-downs', () => {
	it('every metric either has a drill-down or is listed with the reason it has none', () => {
		const missing = listMetrics()
			.filter((m) => !m.drilldown && !NO_DRILLDOWN[m.id])
			.map((m) => m.id);
		expect(missing, 'metrics without a drill-down and without a reason').toEqual([]);
		for (const id of Object.keys(NO_DRILLDOWN)) {
			expect(listMetrics().find((m) => m.id === id)?.drilldown, `${id} is listed as lacking a drill-down but has one`).toBeUndefined();
		}
		expect(drillable().length).toBeGreaterThan(20);
	});

	it('the demo loaded into the period', async () => {
		expect(await metricTotal(listMetrics().find((m) => m.id === 'watch_hours')!)).toBeGreaterThan(0);
	});

	for (const id of listMetrics().filter((m) => m.drilldown).map((m) => m.id)) {
		it(`${id}: server function, JSON and CSV agree; rows exist when the number does`, async () => {
			const def = listMetrics().find((m) => m.id === id)!;
			const all = await runDrilldown({ metric: id, ...PERIOD }, { limit: DRILL_MAX_ROWS });
			expect(all.columns.length).toBeGreaterThan(0);
			const value = await metricTotal(def);
			if (value !== 0) expect(all.total, `${id} = ${value} but its drill-down has no rows`).toBeGreaterThan(0);
			expect(all.rows.length).toBe(Math.min(all.total, DRILL_MAX_ROWS));
			const sumCol = ADDS_UP[id];
			if (sumCol) {
				expect(columnSum(all.rows, sumCol), `Σ ${sumCol} of ${def.drilldown} vs ${id}`).toBeCloseTo(value, 6);
			}

			const qs = `from=${PERIOD.from}&to=${PERIOD.to}`;
			const res = await route(id, qs);
			expect(res.status).toBe(200);
			const body = (await res.json()) as { total: number; rows: unknown[]; sql: string; columns: { name: string }[] };
			expect(body.total).toBe(all.total);
			expect(body.rows.length).toBe(Math.min(all.total, 1000));
			expect(body.sql).toContain('LIMIT {page_limit:UInt32}');

			const csvRes = await route(id, `${qs}&format=csv`);
			expect(csvRes.status).toBe(200);
			expect(csvRes.headers.get('content-type')).toMatch(/^text\/csv/);
			const csv = Papa.parse<Record<string, string>>(await csvRes.text(), { header: true, skipEmptyLines: true });
			expect(csv.meta.fields).toEqual(body.columns.map((c) => c.name));
			expect(csv.data.length).toBe(all.total);
		});

		it(`${id}: a filter on a supported dimension narrows the rows`, async () => {
			const def = listMetrics().find((m) => m.id === id)!;
			const all = await runDrilldown({ metric: id, ...PERIOD }, { limit: DRILL_MAX_ROWS });
			const names = all.columns.map((c) => c.name);
			const dim = supportedDimensions(def).find((d) => names.includes(d) && all.rows.some((r) => r[d] !== '' && r[d] != null));
			if (!dim) {
				// No value to filter on in the drill rows (none in the period, or the
				// dimension is not a drill column): a filter on a drill column must
				// still apply (no rows for an unknown value), any other must be
				// reported as ignored, never silently dropped.
				const other = supportedDimensions(def)[0];
				if (!other) return;
				const r = await runDrilldown({ metric: id, ...PERIOD, filters: { [other]: ['no-such-value'] } });
				if (names.includes(other)) {
					expect(r.ignoredFilters).toEqual([]);
					expect(r.total).toBe(0);
				} else expect(r.ignoredFilters).toEqual([other]);
				return;
			}
			const v = String(all.rows.find((r) => r[dim] !== '' && r[dim] != null)![dim]);
			const filters = { [dim]: [v] };
			const some = await runDrilldown({ metric: id, ...PERIOD, filters }, { limit: DRILL_MAX_ROWS });
			expect(some.ignoredFilters).toEqual([]);
			expect(some.total).toBeGreaterThan(0);
			expect(some.total).toBeLessThanOrEqual(all.total);
			for (const r of some.rows) expect(String(r[dim])).toBe(v);
			const sumCol = ADDS_UP[id];
			if (sumCol) {
				expect(columnSum(some.rows, sumCol), `Σ ${sumCol} where ${dim} = ${v}`).toBeCloseTo(await metricTotal(def, filters), 6);
			}
			const res = await route(id, `from=${PERIOD.from}&to=${PERIOD.to}&${dim}=${encodeURIComponent(v)}&format=csv`);
			expect(res.status).toBe(200);
			const csv = Papa.parse<Record<string, string>>(await res.text(), { header: true, skipEmptyLines: true });
			expect(csv.data.length).toBe(some.total);
		});
	}
});
