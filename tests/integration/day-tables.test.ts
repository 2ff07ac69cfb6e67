import { beforeAll, describe, expect, it } from 'vitest';
import type { Dimension, MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { currentDayTables, DAY_TABLE_SOURCES, dayTablesStatus, refreshDayTables } from '../../src/lib/server/metrics/day-tables.js';
import { listMetrics, supportedDimensions, type MetricDefinition } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import '../../src/lib/server/metrics/all.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { ingest } from '../../ingest/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { expectSameRows } from '../helpers/metric-rows.js';
import { FILTER_VALUES, N, PERIOD, loadLateAndRepeatedData, range, writeNdjson } from '../helpers/late-data-fixture.js';

/*
 * A day table holds a metric base file's rows computed once over every day
 * with data; a request then reads the days it asks for. That is right only if
 * the file's rows for a day do not depend on the period asked (its lookbacks
 * reach outside the period by design). So every metric reading a day table must
 * give the same rows as the file itself (forceRaw) for periods cut in the
 * middle of the data, not just for the whole of it, with breakdowns and
 * filters; and a day table must never be read once the data changed.
 */
const { open } = useTempWarehouse('loopmeter-day-tables-');

beforeAll(async () => {
	await open();
	await loadLateAndRepeatedData();
	await refreshDayTables();
}, 180_000);

// The fixture's ten days, a period cut on both sides and one at its end.
const PERIODS = [PERIOD, { from: '2026-10-03', to: '2026-10-08' }, { from: '2026-10-09', to: '2026-10-11' }];

function requests(def: MetricDefinition): MetricRequestInput[] {
	// Breakdowns one source serves together: the one with plan if any (every user-level file has it).
	const dims = (def.sources.find((s) => s.dimensions.includes('plan')) ?? def.sources[0])?.dimensions ?? supportedDimensions(def);
	const breakdowns: Dimension[] = [...new Set([...(dims.includes('plan') ? (['plan'] as Dimension[]) : []), ...dims])].slice(0, 2);
	const [whole, ...cut] = PERIODS.map((p) => ({ metric: def.id, ...p }));
	return [
		{ ...whole!, grain: 'total' },
		{ ...whole!, grain: 'week' },
		...breakdowns.map((d) => ({ ...whole!, grain: 'day' as const, group_by: [d] })),
		...(breakdowns.length >= 2 ? [{ ...whole!, grain: 'total' as const, group_by: breakdowns.slice(0, 1), filters: { [breakdowns[1]!]: FILTER_VALUES[breakdowns[1]!] ?? ['free'] } }] : []),
		// Daily values of periods cut mid-data: where a lookback reaching outside the period would show.
		...cut.map((p) => ({ ...p, grain: 'day' as const }))
	];
}

describe('day tables', () => {
	it('builds one for every listed file, and reads them while the data is unchanged', async () => {
		expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		for (const source of DAY_TABLE_SOURCES) {
			const [r] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM day_${source}`, { tag: 'day-tables-test' });
			expect(Number(r!.n), `day_${source} has rows`).toBeGreaterThan(0);
		}
		// Nothing changed: a second refresh rebuilds nothing.
		expect(await refreshDayTables()).toEqual([]);
	});

	const readers = new Set<string>();
	for (const def of listMetrics()) {
		it(`${def.id}: reading day tables gives the file's own rows for every period, grain, breakdown and filter`, async () => {
			for (const req of requests(def)) {
				const what = `${def.id} ${req.from}..${req.to} ${req.grain} by ${req.group_by?.join(',') || '-'} ${JSON.stringify(req.filters ?? {})}`;
				const served = await runMetric(req);
				if (!served.query.dayTables.length) continue;
				readers.add(def.id);
				expect(served.query.sql, what).toMatch(/FROM day_/);
				const raw = await runMetric(req, { forceRaw: true });
				expect(raw.query.dayTables, what).toEqual([]);
				expectSameRows(served.response.rows, raw.response.rows, what);
			}
		});
	}

	it('serves the slow metrics of every page from them', () => {
		// One per file at least, and the composite that reads several (the Slop Index).
		expect([...readers]).toEqual(
			expect.arrayContaining(['novelty', 'feed_diversity', 'sessions', 'long_session_share', 'return_rate', 'active_users', 'divergence', 'arpu', 'revenue', 'attention_to_compute_cohort', 'slop_index', 'near_duplicate_share', 'remix_depth', 'creator_concentration', 'ai_mix', 'copyright_share'])
		);
	});

	it('is never read once new rows land, and is read again after the next refresh', async () => {
		const metric = { metric: 'novelty', ...PERIOD, grain: 'day' } as const;
		const before = await runMetric(metric);
		expect(before.query.dayTables).toEqual(['slop_novelty_daily']);

		// 300 new impressions over the ten days.
		const file = writeNdjson('more.ndjson', range(N + 500, N + 800));
		const [report] = await ingest({ source: 'engagement', paths: [file], quiet: true, actor: 'day-tables-test' });
		expect(report?.rows_loaded).toBe(300);

		const after = await runMetric(metric);
		expect(after.query.dayTables, 'stale day table read').toEqual([]);
		expect((await dayTablesStatus()).filter((d) => d.current)).toEqual([]);
		const sum = (rows: typeof after.response.rows) => rows.reduce((s, r) => s + Number(r.impressions), 0);
		expect(sum(after.response.rows) - sum(before.response.rows)).toBe(300 - range(N + 500, N + 800).filter((i) => i % 23 === 5).length);

		const rebuilt = await refreshDayTables();
		expect(rebuilt.map((b) => b.source).sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		const status = await dayTablesStatus();
		expect(status.every((d) => d.current && d.rows > 0 && d.built_at !== null)).toBe(true);
		const again = await runMetric(metric);
		expect(again.query.dayTables).toEqual(['slop_novelty_daily']);
		expectSameRows(again.response.rows, after.response.rows, 'novelty after the refresh');
	});
});
