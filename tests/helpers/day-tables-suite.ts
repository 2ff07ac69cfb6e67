import { beforeAll, describe, expect, it } from 'vitest';
import type { Dimension, MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { currentDayTables, DAY_TABLE_SOURCES, dayTablesStatus, refreshDayTables, type DayTableBuild, type DayTableSource } from '../../src/lib/server/metrics/day-tables.js';
import { metricSql } from '../../src/lib/server/metrics/sql-files.js';
import { listMetrics, supportedDimensions, type MetricDefinition } from '../../src/lib/server/metrics/registry.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { ingest } from '../../ingest/index.js';
import { expectSameRows } from './metric-rows.js';
import { FILTER_VALUES, N, PERIOD, impression, loadLateAndRepeatedData, range, writeNdjson } from './late-data-fixture.js';

/*
 * A day table holds a metric base file's rows computed once over every day
 * with data; a request then reads the days it asks for. That is right only if
 * the file's rows for a day do not depend on the period asked (its lookbacks
 * reach outside the period by design). So every metric reading a day table must
 * give the same rows as the file itself (forceRaw) for periods cut in the
 * middle of the data, not just for the whole of it, with breakdowns and
 * filters; and a day table must never be read once the data changed.
 */
export interface DayTableSuiteOptions {
	/** Opens the warehouse with its schema (called first, in beforeAll). */
	open: () => Promise<unknown>;
	/** The table that holds a table's rows on this node: itself, or its `_local` twin on a cluster (for DELETE and SYSTEM STOP MERGES, which a Distributed table does not take). */
	local: (table: string) => string;
}

/** The day-table tests, for a warehouse opened by `opts.open` (embedded here, the clustered schema in cluster-day-tables.test.ts). */
export function dayTableSuite(opts: DayTableSuiteOptions): void {
	beforeAll(async () => {
		await opts.open();
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

		// Rows on every day of the period: no day of it may be read from a table until the refresh
		// (day-table-validity.test.ts checks periods that new rows leave alone).
		it('is not read for days new rows land on, and is read again after the next refresh', async () => {
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

	/*
	 * After an ingest that only adds impressions, a refresh computes again just the
	 * days those impressions can change (day-table-sources.ts, IMPRESSION_REACH) and
	 * keeps every other day's rows. Each case below checks which days were
	 * rebuilt, that a row planted on an untouched day survives (it was not
	 * recomputed) while one planted on a rebuilt day is gone, and that every day
	 * table then holds exactly the rows its file computes from the raw tables.
	 */
	describe('day tables after appended, late and repeated loads', () => {
		const WIDE = { from: '2026-09-01', to: '2026-11-01' };

		/** Every row of the day table against the file computed from the raw tables, over every day with data. */
		async function expectEqualToRawFile(source: DayTableSource): Promise<void> {
			const inWindow = 'WHERE day >= {from:Date} AND day < {to:Date}';
			// 64-bit counts as numbers, so that they add up below.
			const settings = 'SETTINGS output_format_json_quote_64bit_integers = 0';
			const [table, file] = await Promise.all([
				query<MetricRow>(`SELECT * FROM day_${source} ${inWindow} ${settings}`, { tag: 'day-tables-test', params: WIDE }),
				query<MetricRow>(`SELECT * FROM (\n${metricSql(source, { raw: true })}\n) ${inWindow} ${settings}`, { tag: 'day-tables-test', params: WIDE })
			]);
			expect(table.length, `day_${source} has rows`).toBeGreaterThan(0);
			expectSameRows(summed(table), summed(file), `day_${source} vs its file on the raw tables`);
		}

		/**
		 * Rows with the same labels (strings, booleans, nulls) as one, their numbers
		 * added: a file read through a summing rollup may return a key in several
		 * rows until the rollup merges them, which every reader adds up.
		 */
		function summed(rows: MetricRow[]): MetricRow[] {
			const byKey = new Map<string, MetricRow>();
			for (const r of rows) {
				const labels = Object.entries(r).filter(([, v]) => typeof v !== 'number');
				const key = JSON.stringify(labels);
				const into = byKey.get(key);
				if (!into) byKey.set(key, { ...r, ...Object.fromEntries(labels.map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])) });
				else for (const [k, v] of Object.entries(r)) if (typeof v === 'number') into[k] = (into[k] as number) + v;
			}
			return [...byKey.values()];
		}

		const day = (n: number) => new Date(Date.UTC(2026, 9, n)).toISOString().slice(0, 10);
		const days = (from: number, to: number) => range(from, to + 1).map(day);
		const sessionsAround = (n: number) => days(n - 1, n + 1);

		/** Impression i moved to `on` (same time of day), with its own id and session. */
		function movedImpression(i: number, on: string, tag: string) {
			const imp = impression(i);
			return { ...imp, impression_id: `${tag}-${i}`, session_id: `${tag}-s${Math.floor(i / 7)}`, ts: `${on}${imp.ts.slice(10)}`, is_internal: false };
		}

		async function load(name: string, rows: object[]): Promise<void> {
			const file = writeNdjson(name, range(0, rows.length), (k) => rows[k]!);
			const [report] = await ingest({ source: 'engagement', paths: [file], quiet: true, actor: 'day-tables-test' });
			expect(report?.outcome, report?.message).toBe('succeeded');
		}

		/** Plants a session row on a day: it survives a refresh only if that day is not computed again. */
		async function plant(on: string): Promise<string> {
			const id = `planted-${on}`;
			await command(`INSERT INTO day_engagement_sessions (day, user_id, session_id) VALUES ({on:Date}, 'planted', {id:String})`, { tag: 'day-tables-test', params: { on, id } });
			return id;
		}
		async function planted(id: string): Promise<boolean> {
			const [r] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM day_engagement_sessions WHERE session_id = {id:String}`, { tag: 'day-tables-test', params: { id } });
			return Number(r!.n) > 0;
		}
		async function unplant(id: string): Promise<void> {
			await command(`DELETE FROM ${opts.local('day_engagement_sessions')} WHERE session_id = {id:String}`, { tag: 'day-tables-test', params: { id } });
		}

		function expectRebuiltDays(builds: DayTableBuild[], expected: Record<DayTableSource, string[]>): void {
			expect(builds.map((b) => b.source).sort()).toEqual([...DAY_TABLE_SOURCES].sort());
			for (const b of builds) {
				expect(b.mode, `${b.source} rebuilt only some days`).toBe('days');
				expect(b.days, `${b.source}: days rebuilt`).toEqual(expected[b.source]);
			}
		}

		it('starts from tables that equal their files', async () => {
			// A background merge of old and new parts makes a refresh take the old rows of the merged
			// part for new (a few days too many, never one too few): stopped here, the days rebuilt are exact.
			await command(`SYSTEM STOP MERGES ${opts.local('impressions')}`, { tag: 'day-tables-test' });
			await refreshDayTables();
			for (const source of DAY_TABLE_SOURCES) await expectEqualToRawFile(source);
		});

		it('a new day: rebuilds that day (and the days whose lookahead reaches it), every table still equal to its file', async () => {
			const untouched = await plant(day(2));
			const rebuilt = await plant(day(11));
			// 400 impressions on 2026-10-12, two days after the last day loaded so far.
			await load('next-day.ndjson', range(0, 400).map((i) => movedImpression(i, day(12), 'next-day')));
			expect(await currentDayTables(), 'read while stale').toEqual(new Set());
			const builds = await refreshDayTables();
			const only12 = [day(12)];
			expectRebuiltDays(builds, {
				slop_novelty_daily: only12,
				slop_diversity_user_days: only12,
				engagement_sessions: sessionsAround(12),
				// "Returned" of the 7 days before; "complete" of 10-04 and 10-05 (their D + 7 is now a day with data).
				engagement_user_days: days(4, 12),
				engagement_active_users: only12,
				engagement_divergence_user_days: only12,
				revenue_daily: only12,
				// The 7 days after creation, and "observed" like "complete".
				attention_cohort_videos: days(4, 12),
				slop_near_duplicate_days: only12,
				slop_remix_depth_days: only12,
				slop_video_mix_days: only12,
				slop_creator_days: only12
			});
			expect(await planted(untouched), 'a row of an untouched day was kept').toBe(true);
			expect(await planted(rebuilt), 'a row of a rebuilt day was computed again').toBe(false);
			await unplant(untouched);
			for (const source of DAY_TABLE_SOURCES) await expectEqualToRawFile(source);
			expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		});

		it('late data for an old day: rebuilds that day, and the days first impressions of a creator moved from', async () => {
			// A user and creator first seen on 2026-10-06 or later, and one of that creator's videos.
			const [pair] = await query<{ user_id: string; creator_id: string; video_id: string; first: string }>(
				`SELECT h.user_id AS user_id, v.creator_id AS creator_id, any(v.video_id) AS video_id, toString(toDate(min(h.ts))) AS first
				FROM impressions AS h INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS v ON v.video_id = h.video_id
				WHERE NOT h.is_internal
				GROUP BY user_id, creator_id HAVING first >= '2026-10-06' ORDER BY user_id, creator_id LIMIT 1`,
				{ tag: 'day-tables-test' }
			);
			expect(pair, 'the fixture has a pair first seen late').toBeDefined();
			const untouched = await plant(day(9));
			const rows = range(0, 200).map((i) => movedImpression(i, day(3), 'late'));
			rows.push({ ...movedImpression(7, day(3), 'late-first'), user_id: pair!.user_id, video_id: pair!.video_id });
			// The days whose first impression of a creator (per user) a late row comes before, from the raw tables.
			const moved = await query<{ day: string }>(
				`SELECT DISTINCT toString(toDate(f.first_ts)) AS day
				FROM (
					SELECT h.user_id AS user_id, v.creator_id AS creator_id, min(h.ts) AS first_ts
					FROM impressions AS h INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS v ON v.video_id = h.video_id
					WHERE NOT h.is_internal GROUP BY user_id, creator_id
				) AS f
				INNER JOIN (
					SELECT l[1] AS user_id, v.creator_id AS creator_id, min(parseDateTime64BestEffort(l[3], 3, 'UTC')) AS late_ts
					FROM (SELECT arrayJoin({late:Array(Array(String))}) AS l) AS t
					INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS v ON v.video_id = t.l[2]
					GROUP BY user_id, creator_id
				) AS n ON n.user_id = f.user_id AND n.creator_id = f.creator_id
				WHERE n.late_ts < f.first_ts`,
				{ tag: 'day-tables-test', params: { late: rows.filter((r) => !r.is_internal).map((r) => [r.user_id, r.video_id, r.ts]) } }
			);
			expect(moved.map((m) => m.day), 'the late first of the chosen pair moves its first').toContain(pair!.first);
			await load('late-day.ndjson', rows);
			const builds = await refreshDayTables();
			const only3 = [day(3)];
			expectRebuiltDays(builds, {
				slop_novelty_daily: [...new Set([day(3), ...moved.map((m) => m.day)])].sort(),
				slop_diversity_user_days: only3,
				engagement_sessions: sessionsAround(3),
				engagement_user_days: days(-4, 3),
				engagement_active_users: only3,
				engagement_divergence_user_days: only3,
				revenue_daily: only3,
				attention_cohort_videos: days(-4, 3),
				slop_near_duplicate_days: only3,
				slop_remix_depth_days: only3,
				slop_video_mix_days: only3,
				slop_creator_days: only3
			});
			expect(await planted(untouched), 'a row of an untouched day was kept').toBe(true);
			await unplant(untouched);
			for (const source of DAY_TABLE_SOURCES) await expectEqualToRawFile(source);
		});

		it('a repeated load changes nothing and rebuilds nothing', async () => {
			await load('next-day.ndjson', range(0, 400).map((i) => movedImpression(i, day(12), 'next-day')));
			expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
			expect(await refreshDayTables()).toEqual([]);
			await command(`SYSTEM START MERGES ${opts.local('impressions')}`, { tag: 'day-tables-test' });
		});
	});
}
