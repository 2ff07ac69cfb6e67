import { beforeAll, describe, expect, it } from 'vitest';
import type { Dimension, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { isRollupSource } from '../../src/lib/server/metrics/build-query.js';
import { listMetrics, type MetricDefinition } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { expectSameRows } from '../helpers/metric-rows.js';
import { FILTER_VALUES, JOBS, PERIOD, humanLoaded, impression, job, loadLateAndRepeatedData, loaded, range } from '../helpers/late-data-fixture.js';

/*
 * Rollups are kept by materialized views on insert, so what can go wrong is
 * the order and repetition of inserts. This file loads impressions through the
 * real ingest path the way production does it badly: the later days first, the
 * earlier days afterwards (late data), the first file again (re-ingest), and a
 * file that repeats half of the first one and adds new rows. Then every metric
 * with a rollup source must give the same rows through the rollup as through
 * the raw tables (forceRaw), for every grain and rollup dimension, and the
 * rollup must count each impression exactly once.
 */
const { open } = useTempWarehouse('loopmeter-rollup-');

beforeAll(async () => {
	await open();
	await loadLateAndRepeatedData();
});

const withRollup = listMetrics().filter((d) => d.sources.some(isRollupSource));

/** Every dimension some rollup-reading source of the metric serves. */
function rollupDims(def: MetricDefinition): Dimension[] {
	return [...new Set(def.sources.filter(isRollupSource).flatMap((s) => s.dimensions))];
}

function requests(def: MetricDefinition): MetricRequestInput[] {
	const base = { metric: def.id, ...PERIOD };
	const dims = rollupDims(def);
	return [
		{ ...base, grain: 'total' },
		{ ...base, grain: 'day' },
		{ ...base, grain: 'week' },
		...dims.map((d) => ({ ...base, grain: 'day' as const, group_by: [d] })),
		// Two dimensions grouped, a third filtered to two of its values.
		...(dims.length >= 3 ? [{ ...base, grain: 'total' as const, group_by: dims.slice(0, 2), filters: { [dims[2]!]: FILTER_VALUES[dims[2]!] ?? [] } }] : [])
	];
}

describe('rollups (impressions_daily, impressions_user_daily, jobs_daily) under late data and re-ingest', () => {
	it('counts every human impression once, however often and in whatever order it was loaded', async () => {
		// loaded = late ∪ early ∪ overlap = impressions 0..3499; human = not (i % 23 = 5).
		const [r] = await query<{ imps: string; watch: string }>(
			`SELECT toString(sum(impressions)) AS imps, toString(sum(watch_ms_sum)) AS watch FROM impressions_daily`,
			{ tag: 'rollup-test' }
		);
		expect(Number(r!.imps)).toBe(humanLoaded.length);
		expect(Number(r!.watch)).toBe(humanLoaded.reduce((s, i) => s + impression(i).watch_ms, 0));
		const [raw] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM impressions`, { tag: 'rollup-test' });
		expect(Number(raw!.n)).toBe(loaded.size);
	});

	it('holds every job\'s GPU time once, split over the days it ran', async () => {
		// Σ gpu_count × (ended_at − started_at) over the 400 distinct jobs, in ms; the split over days adds up to it.
		const expected = range(0, JOBS).reduce((s, i) => {
			const j = job(i);
			return s + j.gpu_count * (Date.parse(j.ended_at) - Date.parse(j.started_at));
		}, 0);
		const [r] = await query<{ ms: string }>(`SELECT toString(sum(gpu_ms)) AS ms FROM jobs_daily`, { tag: 'rollup-test' });
		expect(Number(r!.ms)).toBe(expected);
		const [raw] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM generation_jobs`, { tag: 'rollup-test' });
		expect(Number(raw!.n)).toBe(JOBS);
	});

	it('has metrics served by a rollup', () => {
		expect(withRollup.map((d) => d.id)).toEqual(expect.arrayContaining(['watch_hours', 'satisfaction_rate', 'utilized_gpu_hours']));
	});

	for (const def of withRollup) {
		it(`${def.id}: the rollup gives the raw tables' rows for every grain, rollup dimension and filter`, async () => {
			let compared = 0;
			for (const req of requests(def)) {
				const what = `${def.id} ${req.grain} by ${req.group_by?.join(',') || '-'}`;
				const viaRollup = await runMetric(req);
				// Some requests are served by a source without a rollup (e.g. ad revenue
				// by day reads the small ad file; only by plan does it need viewers).
				if (!viaRollup.query.rollup) continue;
				compared++;
				const viaRaw = await runMetric(req, { forceRaw: true });
				expect(viaRaw.query.rollup, what).toBe(false);
				expect(viaRaw.response.rows.length, `${what}: the fixture yields rows`).toBeGreaterThan(0);
				expectSameRows(viaRollup.response.rows, viaRaw.response.rows, what);
			}
			expect(compared, `${def.id}: requests served by a rollup`).toBeGreaterThan(0);
		});

		if (def.sources.some((s) => s.dimensions.includes('plan')) && !rollupDims(def).includes('plan')) {
			it(`${def.id}: a request the rollup cannot serve (by plan) falls back to the raw rows`, async () => {
				const { query: q } = await runMetric({ metric: def.id, ...PERIOD, grain: 'total', group_by: ['plan'] });
				expect(q.rollup).toBe(false);
			});
		}
	}
});
