import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { buildMetricQuery } from '../../src/lib/server/metrics/build-query.js';
import { currentDayTables, DAY_TABLE_SOURCES, dayTablesStatus, DayTablesError, forgetCurrentDayTables, readableDayTables, refreshDayTables, type DayTableSource } from '../../src/lib/server/metrics/day-tables.js';
import { dayTableReads, LAST_DAY, mergeRanges, reachOf } from '../../src/lib/server/metrics/day-table-validity.js';
import { getMetric, listMetrics } from '../../src/lib/server/metrics/registry.js';
import { parseMetricRequest, runMetric } from '../../src/lib/server/metrics/run.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { ingest } from '../../ingest/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { expectSameRows } from '../helpers/metric-rows.js';
import { impression, loadLateAndRepeatedData, range, writeNdjson } from '../helpers/late-data-fixture.js';

/*
 * Validity per day (day-table-validity.ts): after impressions are added and
 * before the refresh, a request still reads a day table if none of the days it
 * reads can have changed, and computes the file from the raw tables otherwise.
 * Each case checks which relation was read (the query's day tables and SQL
 * text), that the answer equals the file computed from the raw tables, and,
 * where the table must not be read, that reading it would indeed give a stale
 * answer (so the check cannot pass by luck).
 */

// A refresh that stops half-way: a statement matching `failing.sql` fails (fault injection for one case).
const failing = vi.hoisted(() => ({ sql: undefined as RegExp | undefined }));
vi.mock('../../src/lib/server/warehouse/index.js', async (importOriginal) => {
	const real = await importOriginal<typeof import('../../src/lib/server/warehouse/index.js')>();
	const command: typeof real.command = (sql, opts) => (failing.sql?.test(sql) ? Promise.reject(new Error(`injected failure: ${sql}`)) : real.command(sql, opts));
	return { ...real, command };
});

const { open } = useTempWarehouse('loopmeter-day-validity-');

beforeAll(async () => {
	await open();
	await loadLateAndRepeatedData();
	// A background merge of old and new parts makes old days look new (more days read live, never fewer):
	// stopped here, which days are read live is exact.
	await command('SYSTEM STOP MERGES impressions', { tag: 'day-validity-test' });
	await refreshDayTables();
}, 240_000);

const day = (n: number) => new Date(Date.UTC(2026, 9, n)).toISOString().slice(0, 10);

/** The metrics served by day tables, one or more per file. */
const READERS = ['novelty', 'feed_diversity', 'sessions', 'long_session_share', 'return_rate', 'active_users', 'divergence', 'arpu', 'revenue', 'attention_to_compute_cohort', 'slop_index', 'near_duplicate_share', 'creator_concentration'] as const;

const request = (metric: string, from: string, to: string): MetricRequestInput => ({ metric, from, to, grain: 'day' }) as MetricRequestInput;

/** Impression i moved to `on` (same time of day), with its own id and session. */
function movedImpression(i: number, on: string, tag: string) {
	const imp = impression(i);
	return { ...imp, impression_id: `${tag}-${i}`, session_id: `${tag}-s${Math.floor(i / 7)}`, ts: `${on}${imp.ts.slice(10)}`, is_internal: false };
}

async function load(name: string, rows: object[]): Promise<void> {
	const file = writeNdjson(name, range(0, rows.length), (k) => rows[k]!);
	const [report] = await ingest({ source: 'engagement', paths: [file], quiet: true, actor: 'day-validity-test' });
	expect(report?.outcome, report?.message).toBe('succeeded');
}

/** The day tables every metric reads over a period while all are current (what a request reads when nothing is stale). */
async function tablesReadWhenCurrent(from: string, to: string): Promise<Map<string, string[]>> {
	const all = new Set<string>(DAY_TABLE_SOURCES);
	return new Map(READERS.map((m) => [m, buildMetricQuery(parseMetricRequest(request(m, from, to)), getMetric, { dayTables: all }).dayTables.sort()]));
}

/** The metric served as it is now, and computed from the raw tables: equal rows. */
async function servedEqualsRaw(req: MetricRequestInput): Promise<{ dayTables: string[]; sql: string; rows: MetricRow[] }> {
	const served = await runMetric(req);
	const raw = await runMetric(req, { forceRaw: true });
	expectSameRows(served.response.rows, raw.response.rows, `${req.metric} ${req.from}..${req.to} as served`);
	return { dayTables: [...served.query.dayTables].sort(), sql: served.query.sql, rows: raw.response.rows };
}

/** A built query's rows as runMetric gives them (64-bit numbers arrive as strings). */
async function rowsOf(built: { sql: string; params: Record<string, unknown> }): Promise<MetricRow[]> {
	const rows = await query<MetricRow>(built.sql, { tag: 'day-validity-test', params: built.params as never });
	return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k !== 'period' && typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : v])));
}

/** Reading `source`'s day table regardless of validity gives other rows than the raw tables: it is stale there. */
async function expectStaleIfRead(req: MetricRequestInput, source: DayTableSource, raw: MetricRow[]): Promise<void> {
	const parsed = parseMetricRequest(req);
	// The same reading of rows on the raw path gives the raw answer: a difference below is the table's.
	expectSameRows(await rowsOf(buildMetricQuery(parsed, getMetric, { forceRaw: true })), raw, `${req.metric} raw, read here`);
	const built = buildMetricQuery(parsed, getMetric, { dayTables: new Set([source]) });
	expect(built.dayTables, `${req.metric} can read day_${source}`).toContain(source);
	const read = await rowsOf(built);
	expect(() => expectSameRows(read, raw, 'stale read'), `day_${source} is stale for ${req.metric} ${req.from}..${req.to}`).toThrow();
}

/** A day table named in SQL text (other relations are called day_… too, e.g. a CTE `day_values`). */
const DAY_TABLE_NAMED = new RegExp(`FROM day_(${DAY_TABLE_SOURCES.join('|')})\\b`, 'g');

describe('day tables valid per day', () => {
	it('widens the new days by how far each file looks', () => {
		const last = day(10);
		// A new day after the last: sessions ±1; return rate 7 back and "complete" up to the new last day − 7.
		expect(reachOf('engagement_sessions', [day(12)], last)).toEqual([[day(11), day(13)]]);
		expect(reachOf('engagement_user_days', [day(12)], last)).toEqual([[day(4), day(12)]]);
		expect(reachOf('attention_cohort_videos', [day(12)], last)).toEqual([[day(4), day(12)]]);
		expect(reachOf('engagement_active_users', [day(12)], last)).toEqual([[day(12), day(12)]]);
		// Late rows for an old day: the last day does not move; novelty may change any later day.
		expect(reachOf('engagement_user_days', [day(3)], last)).toEqual([['2026-09-26', day(3)]]);
		expect(reachOf('slop_novelty_daily', [day(3), day(5)], last)).toEqual([[day(3), LAST_DAY]]);
		expect(reachOf('engagement_sessions', [day(3), day(5), day(9)], last)).toEqual([[day(2), day(6)], [day(8), day(10)]]);
		expect(reachOf('engagement_sessions', [], last)).toEqual([]);
		expect(mergeRanges([[day(5), day(6)], [day(1), day(2)], [day(3), day(3)], [day(8), day(9)]])).toEqual([[day(1), day(3)], [day(5), day(6)], [day(8), day(9)]]);
	});

	it('reads the bounds of a day-table read through brackets, strings and lines', () => {
		const sql = `SELECT x FROM (-- c\nSELECT * FROM day_revenue_daily WHERE day >= least(toStartOfMonth({from:Date}), {to:Date} - {run_rate_days:UInt32}) AND day < addMonths(toStartOfMonth({to:Date}), 1)) AS r
		JOIN (SELECT * FROM day_engagement_sessions WHERE day >= least({from:Date}, ifNull((SELECT toDate(minOrNull(started_at)) FROM g
	WHERE ended_at >= toDateTime64({from:Date}, 3, 'UTC(')), {from:Date})) - 1 AND day < {to:Date} + 1
) AS s`;
		expect(dayTableReads(sql)).toEqual([
			{ source: 'revenue_daily', lo: 'least(toStartOfMonth({from:Date}), {to:Date} - {run_rate_days:UInt32})', hi: 'addMonths(toStartOfMonth({to:Date}), 1)' },
			{
				source: 'engagement_sessions',
				lo: "least({from:Date}, ifNull((SELECT toDate(minOrNull(started_at)) FROM g\n\tWHERE ended_at >= toDateTime64({from:Date}, 3, 'UTC(')), {from:Date})) - 1",
				hi: '{to:Date} + 1'
			}
		]);
	});

	it('finds every read of a day table in every metric query, with bounds the warehouse evaluates', async () => {
		const all = new Set<string>(DAY_TABLE_SOURCES);
		let widened = 0;
		for (const def of listMetrics()) {
			let built;
			try {
				built = buildMetricQuery(parseMetricRequest({ metric: def.id, from: day(1), to: day(11), grain: 'total' } as MetricRequestInput), getMetric, { dayTables: all });
			} catch {
				continue; // a metric that needs a breakdown or another option: not a day-table reader here
			}
			const reads = dayTableReads(built.sql);
			expect(reads.length, `${def.id}: reads found`).toBe((built.sql.match(DAY_TABLE_NAMED) ?? []).length);
			expect(new Set(reads.map((r) => r.source)), def.id).toEqual(new Set(built.dayTables));
			for (const r of reads) {
				if (!/^\{from:Date\}/.test(r.lo)) widened++;
				const [b] = await query<{ lo: string; hi: string }>(`SELECT toString(toDate(${r.lo})) AS lo, toString(toDate(${r.hi})) AS hi`, { tag: 'day-validity-test', params: built.params });
				expect(b!.lo <= b!.hi, `${def.id} reads day_${r.source} from ${b!.lo} to ${b!.hi}`).toBe(true);
			}
		}
		// The forecast's months and the break-even trend's weeks widen the period of revenue_daily.
		expect(widened).toBeGreaterThan(0);
	});

	it('a new day: periods it cannot change read the day tables, periods it can compute the files, and all equal the raw tables', async () => {
		const before = { from: day(1), to: day(4) };
		const whole = { from: day(1), to: day(13) };
		const expectedBefore = await tablesReadWhenCurrent(before.from, before.to);
		// 400 impressions on 2026-10-12, two days after the last day loaded so far; no refresh.
		await load('validity-next-day.ndjson', range(0, 400).map((i) => movedImpression(i, day(12), 'validity-next')));
		expect(await currentDayTables(), 'no table is current on every day').toEqual(new Set());
		expect([...(await readableDayTables()).keys()].sort(), 'every table is readable on some days').toEqual([...DAY_TABLE_SOURCES].sort());
		// `loopmeter status` names the days: sessions ±1 day around the new one, novelty every day from it on.
		const status = await dayTablesStatus();
		expect(status.find((d) => d.source === 'engagement_sessions')).toMatchObject({ current: false, stale_days: [[day(11), day(13)]] });
		expect(status.find((d) => d.source === 'slop_novelty_daily')).toMatchObject({ current: false, stale_days: [[day(12), LAST_DAY]] });

		// (a) The days before: every day table read as when current, and equal to the raw tables.
		for (const m of READERS) {
			const served = await servedEqualsRaw(request(m, before.from, before.to));
			expect(served.dayTables, `${m} ${before.from}..${before.to} reads its day tables`).toEqual(expectedBefore.get(m));
			expect(served.dayTables.length, m).toBeGreaterThan(0);
			expect(served.sql, m).toMatch(/FROM day_/);
		}
		// Return rate's 7-day lookahead and "complete" flag reach back from the new day: 10-04 and 10-05
		// (now complete) read live, 10-01..10-03 do not; sessions' ±1 day makes 10-11 live.
		for (const [m, source, from, to] of [
			['return_rate', 'engagement_user_days', day(4), day(6)],
			['sessions', 'engagement_sessions', day(11), day(13)],
			['novelty', 'slop_novelty_daily', day(12), day(13)],
			['active_users', 'engagement_active_users', day(12), day(13)],
			['attention_to_compute_cohort', 'attention_cohort_videos', day(6), day(11)]
		] as const) {
			const req = request(m, from, to);
			const served = await servedEqualsRaw(req);
			expect(served.dayTables, `${m} ${from}..${to} computes ${source} from the raw tables`).not.toContain(source);
			if (m !== 'attention_to_compute_cohort') await expectStaleIfRead(req, source, served.rows);
		}
		// Widened periods, bounds evaluated by the warehouse: the forecast's months (to the end of October)
		// hold the new day, the break-even trend's complete weeks before 10-04 do not.
		const total = (m: string) => ({ ...request(m, before.from, before.to), grain: 'total' }) as MetricRequestInput;
		const forecast = await servedEqualsRaw(total('budget_forecast'));
		expect(forecast.dayTables, 'budget_forecast computes revenue_daily').not.toContain('revenue_daily');
		expect((await servedEqualsRaw(total('break_even_outlook'))).dayTables, 'break_even_outlook reads revenue_daily').toContain('revenue_daily');

		// (b) Every reader over the whole period, the new day included: equal to the raw tables.
		for (const m of READERS) await servedEqualsRaw(request(m, whole.from, whole.to));

		// (c) After the refresh, everything reads the tables again.
		await refreshDayTables();
		expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		const expectedWhole = await tablesReadWhenCurrent(whole.from, whole.to);
		for (const m of READERS) expect((await servedEqualsRaw(request(m, whole.from, whole.to))).dayTables, m).toEqual(expectedWhole.get(m));
	});

	it('late data for an old day: later periods read the tables the old day cannot reach, and all equal the raw tables', async () => {
		// A user and creator first seen on 2026-10-08 or later: a late impression before it moves a later novelty row.
		const [pair] = await query<{ user_id: string; video_id: string; first: string }>(
			`SELECT h.user_id AS user_id, any(v.video_id) AS video_id, toString(toDate(min(h.ts))) AS first
			FROM impressions AS h INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS v ON v.video_id = h.video_id
			WHERE NOT h.is_internal
			GROUP BY user_id, v.creator_id HAVING first >= '2026-10-08' ORDER BY user_id LIMIT 1`,
			{ tag: 'day-validity-test' }
		);
		expect(pair, 'the fixture has a pair first seen late').toBeDefined();
		const rows = range(0, 200).map((i) => movedImpression(i, day(3), 'validity-late'));
		rows.push({ ...movedImpression(7, day(3), 'validity-late-first'), user_id: pair!.user_id, video_id: pair!.video_id });
		await load('validity-late-day.ndjson', rows);

		const later = { from: day(6), to: day(13) };
		for (const m of ['sessions', 'long_session_share', 'return_rate', 'feed_diversity', 'attention_to_compute_cohort', 'near_duplicate_share', 'revenue'] as const) {
			const served = await servedEqualsRaw(request(m, later.from, later.to));
			expect(served.dayTables.length, `${m} ${later.from}..${later.to} reads its day table`).toBeGreaterThan(0);
		}
		// Novelty: a first impression that moved changes a later day, found only by the refresh: every later period reads live.
		const novelty = request('novelty', pair!.first, day(13));
		const served = await servedEqualsRaw(novelty);
		expect(served.dayTables).not.toContain('slop_novelty_daily');
		await expectStaleIfRead(novelty, 'slop_novelty_daily', served.rows);
		// Active users' 28-day window reaches back to the late day.
		expect((await servedEqualsRaw(request('active_users', later.from, later.to))).dayTables).not.toContain('engagement_active_users');
		for (const m of READERS) await servedEqualsRaw(request(m, day(1), day(13)));

		await refreshDayTables();
		expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		expect((await servedEqualsRaw(novelty)).dayTables).toContain('slop_novelty_daily');
	});

	it('a refresh that stops half-way leaves the months it swapped readable and the others live, then finishes them', async () => {
		// Late rows on 10-03 and a new day in November: sessions are rebuilt in two month partitions.
		await load('validity-two-months.ndjson', [
			...range(0, 100).map((i) => movedImpression(i, day(3), 'validity-two-oct')),
			...range(0, 100).map((i) => movedImpression(i, '2026-11-02', 'validity-two-nov'))
		]);
		failing.sql = /^ALTER TABLE day_engagement_sessions REPLACE PARTITION 202611\b/;
		const error = await refreshDayTables().catch((e: unknown) => e);
		failing.sql = undefined;
		expect(error).toBeInstanceOf(DayTablesError);
		expect((error as DayTablesError).failures.join(' ')).toMatch(/day_engagement_sessions: injected failure/);
		expect((await readableDayTables()).get('engagement_sessions'), 'the November days stay stale').toEqual([['2026-11-01', '2026-11-03']]);

		// October was swapped: read from the table, the late day included; November computes the file.
		const october = await servedEqualsRaw(request('sessions', day(2), day(11)));
		expect(october.dayTables).toContain('engagement_sessions');
		const november = await servedEqualsRaw(request('sessions', '2026-11-01', '2026-11-04'));
		expect(november.dayTables).not.toContain('engagement_sessions');
		await expectStaleIfRead(request('sessions', '2026-11-01', '2026-11-04'), 'engagement_sessions', november.rows);

		// The next refresh (after the next load) rebuilds the days left over with the new ones, not every day.
		await load('validity-nov-5.ndjson', range(0, 50).map((i) => movedImpression(i, '2026-11-05', 'validity-nov5')));
		const builds = await refreshDayTables();
		const sessions = builds.find((b) => b.source === 'engagement_sessions');
		expect(sessions?.mode).toBe('days');
		expect(sessions?.days).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06']);
		expect([...(await currentDayTables())].sort()).toEqual([...DAY_TABLE_SOURCES].sort());
		expect((await servedEqualsRaw(request('sessions', '2026-11-01', '2026-11-07'))).dayTables).toContain('engagement_sessions');
	});

	it('anything but impressions makes every day of the tables reading it stale', async () => {
		const [v] = await query<{ video_id: string }>(`SELECT video_id FROM videos FINAL ORDER BY video_id LIMIT 1`, { tag: 'day-validity-test' });
		await command(`INSERT INTO videos SELECT * REPLACE (now64(3) AS ingested_at) FROM videos FINAL WHERE video_id = {id:String}`, {
			tag: 'day-validity-test',
			params: { id: v!.video_id }
		});
		forgetCurrentDayTables(); // as an ingest does after a load
		const readable = await readableDayTables();
		expect(readable.has('slop_near_duplicate_days'), 'a table reading videos').toBe(false);
		expect(readable.get('engagement_sessions'), 'a table not reading videos').toEqual([]);
		await command('SYSTEM START MERGES impressions', { tag: 'day-validity-test' });
	});
});
