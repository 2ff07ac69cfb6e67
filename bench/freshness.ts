import { join } from 'node:path';
import { loadavg } from 'node:os';
import { rmSync } from 'node:fs';
import { ingest } from '../ingest/index.js';
import type { MetricRequestInput } from '../src/lib/contracts/metrics.js';
import { buildMetricQuery } from '../src/lib/server/metrics/build-query.js';
import { buildOnValidDays } from '../src/lib/server/metrics/day-table-validity.js';
import {
	currentDayTables,
	DAY_TABLE_SOURCES,
	DayTablesError,
	forgetCurrentDayTables,
	readableDayTables,
	refreshDayTables,
	type DayTableBuild
} from '../src/lib/server/metrics/day-tables.js';
import { getMetric, listMetrics } from '../src/lib/server/metrics/registry.js';
import { parseMetricRequest } from '../src/lib/server/metrics/run.js';
import { command, query } from '../src/lib/server/warehouse/index.js';
import { defaultPeriod, previousPeriod } from '../src/lib/url-state.js';

/**
 * The freshness phase: what a company lives with after its daily load. One day
 * of engagement is appended to the bench warehouse, copied from its busiest
 * recent day (so it has the demo's users, videos, arms, modes and hours, about
 * 0.5–1 M impressions at 100 M) with new impression and session ids, loaded
 * through the real ingest path; then the time until every day table matches the
 * data again (panels read fast tables for the new day). Target: 60 s.
 *
 * While that refresh runs, the metrics that read day tables are asked every
 * moment which relations they would read (without running them) for two
 * periods: the default page period (the 28 days up to the new day) and the
 * one before it (the comparison every page shows). For each, the time from the
 * end of the load until every such metric reads all the day tables it reads
 * when nothing is stale, under the rules of validity per day
 * (day-table-validity.ts) and under whole-table validity (a table read only
 * once it matches the data on every day, the rule before).
 */

export interface FreshnessResult {
	/** The day copied, and the new day it became. */
	copiedDay: string;
	newDay: string;
	impressions: number;
	loadSeconds: number;
	refreshSeconds: number;
	/** The day tables before the load were current (else a catch-up build ran first, not timed here). */
	currentBefore: boolean;
	catchUpSeconds: number;
	allCurrentAfter: boolean;
	builds: DayTableBuild[];
	failures: string[];
	/** 1-minute load average before the load, after it and after the refresh. */
	loadAvg: { before: number; afterLoad: number; afterRefresh: number };
	/** Seconds from the end of the load until the panels of each period read day tables again (null: not before the refresh ended). */
	panels?: { period: PeriodName; from: string; to: string; metrics: number; perDaySeconds: number | null; wholeTableSeconds: number | null }[];
}

type PeriodName = 'default' | 'previous';

export const FRESHNESS_TARGET_SECONDS = 60;

async function refreshTimed(log: (s: string) => void): Promise<{ builds: DayTableBuild[]; failures: string[]; seconds: number }> {
	const started = performance.now();
	const out = await refreshDayTables({ log: (line) => log(`  ${line}`) }).then(
		(builds) => ({ builds, failures: [] as string[] }),
		(e: unknown) => {
			if (e instanceof DayTablesError) return { builds: e.built, failures: e.failures };
			throw e;
		}
	);
	return { ...out, seconds: (performance.now() - started) / 1000 };
}

/** The metrics reading day tables over a period, with the tables each reads when all are current. */
function dayTableReaders(from: string, to: string): { req: ReturnType<typeof parseMetricRequest>; tables: string[] }[] {
	const all = new Set<string>(DAY_TABLE_SOURCES);
	return listMetrics().flatMap((def) => {
		try {
			const req = parseMetricRequest({ metric: def.id, from, to, grain: 'day' } as MetricRequestInput);
			const tables = buildMetricQuery(req, getMetric, { dayTables: all }).dayTables;
			return tables.length ? [{ req, tables }] : [];
		} catch {
			return []; // needs a breakdown or an option to be asked: not a page panel as asked here
		}
	});
}

/** Whether every reader reads all its day tables: per day (what runMetric does) and by whole table (the rule before). */
async function readingDayTables(readers: ReturnType<typeof dayTableReaders>): Promise<{ perDay: boolean; wholeTable: boolean }> {
	forgetCurrentDayTables();
	const [readable, current] = [await readableDayTables(), await currentDayTables()];
	let perDay = true;
	for (const r of readers) {
		const built = await buildOnValidDays(readable, (dayTables) => buildMetricQuery(r.req, getMetric, { dayTables }));
		perDay &&= r.tables.every((t) => built.dayTables.includes(t));
		if (!perDay) break;
	}
	return { perDay, wholeTable: readers.every((r) => r.tables.every((t) => current.has(t))) };
}

/**
 * Asks, until `done` settles, whether the panels of each period read day
 * tables; returns when each first did (seconds since `t0`), per rule.
 */
async function watchPanels(periods: { period: PeriodName; from: string; to: string }[], t0: number, done: Promise<unknown>, log: (s: string) => void): Promise<NonNullable<FreshnessResult['panels']>> {
	let finished = false;
	void done.finally(() => (finished = true));
	const watched = periods.map((p) => ({ ...p, readers: dayTableReaders(p.from, p.to), perDaySeconds: null as number | null, wholeTableSeconds: null as number | null }));
	const seconds = () => (performance.now() - t0) / 1000;
	for (;;) {
		const last = finished;
		for (const w of watched) {
			if (w.perDaySeconds !== null && w.wholeTableSeconds !== null) continue;
			const now = await readingDayTables(w.readers);
			if (now.perDay && w.perDaySeconds === null) log(`  ${w.period} period (${w.from}..${w.to}, ${w.readers.length} metrics) reads day tables per day after ${(w.perDaySeconds = seconds()).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(1)})`);
			if (now.wholeTable && w.wholeTableSeconds === null) log(`  ${w.period} period reads them by whole table after ${(w.wholeTableSeconds = seconds()).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(1)})`);
		}
		if (last || watched.every((w) => w.perDaySeconds !== null && w.wholeTableSeconds !== null)) break;
		await new Promise((r) => setTimeout(r, 250));
	}
	return watched.map(({ period, from, to, readers, perDaySeconds, wholeTableSeconds }) => ({ period, from, to, metrics: readers.length, perDaySeconds, wholeTableSeconds }));
}

async function allCurrent(): Promise<boolean> {
	forgetCurrentDayTables();
	return (await currentDayTables()).size === DAY_TABLE_SOURCES.length;
}

/** The busiest of the last 7 days with impressions (the very last is often a sliver past midnight), and the day after the last. */
async function daysToCopy(): Promise<{ copied: string; next: string; n: number }> {
	const [r] = await query<{ copied: string; next: string; n: string }>(
		`SELECT toString(argMax(day, c)) AS copied, toString(max(day) + 1) AS next, toString(max(c)) AS n
		FROM (
			SELECT toDate(ts) AS day, count() AS c FROM impressions
			WHERE ts >= (SELECT max(ts) FROM impressions) - INTERVAL 7 DAY
			GROUP BY day
		)`,
		{ tag: 'bench:freshness:days' }
	);
	if (!r || Number(r.n) === 0) throw new Error('The bench warehouse has no impressions: run `loopmeter bench generate` first.');
	return { copied: r.copied, next: r.next, n: Number(r.n) };
}

/** Writes the copied day as an engagement NDJSON file (the ingest's field names and formats). */
async function writeDayFile(path: string, copied: string, next: string): Promise<void> {
	rmSync(path, { force: true });
	await command(
		`INSERT INTO FUNCTION file({path:String}, 'JSONEachRow')
		SELECT
			concat('fresh-', impression_id) AS impression_id,
			concat(replaceOne(toString(i.ts + toIntervalDay(dateDiff('day', {copied:Date}, {next:Date}))), ' ', 'T'), 'Z') AS ts,
			user_id, concat('fresh-', session_id) AS session_id, video_id, watch_ms, video_duration_ms, position,
			toString(surface) AS surface, toString(feed_mode) AS feed_mode, toString(rec_arm) AS rec_arm,
			autoplay, liked, shared, commented, followed, not_interested, reported,
			toString(country) AS country, toString(platform) AS platform, tz_offset_min, is_internal
		FROM impressions AS i
		-- i.ts: the source column, not the shifted text named ts above.
		WHERE toDate(i.ts) = {copied:Date}`,
		{ tag: 'bench:freshness:file', params: { path, copied, next } }
	);
}

export async function benchFreshness(opts: { out: string; log: (s: string) => void }): Promise<FreshnessResult> {
	const { log } = opts;
	log('Bringing the day tables up to date before the load…');
	const catchUp = await refreshTimed(log);
	const currentBefore = catchUp.builds.length === 0 && catchUp.failures.length === 0;
	const { copied, next, n } = await daysToCopy();
	const file = join(opts.out, `freshness-${next}.ndjson`);
	log(`Copying ${copied} (${n.toLocaleString('en-US')} impressions) as ${next} into ${file}…`);
	await writeDayFile(file, copied, next);

	const before = loadavg()[0]!;
	const loadStart = performance.now();
	const [report] = await ingest({ source: 'engagement', paths: [file], quiet: true, actor: 'bench-freshness' });
	const loadSeconds = (performance.now() - loadStart) / 1000;
	const afterLoad = loadavg()[0]!;
	log(`Loaded ${report?.rows_loaded.toLocaleString('en-US')} impressions in ${loadSeconds.toFixed(1)} s (load average ${afterLoad.toFixed(1)})`);
	if (report?.outcome !== 'succeeded') throw new Error(`The day's load did not succeed: ${report?.message}`);

	log('Refreshing the day tables for the new day, watching which tables the panels read…');
	const shown = defaultPeriod(next);
	const periods = [
		{ period: 'default' as const, ...shown },
		{ period: 'previous' as const, ...previousPeriod(shown) }
	];
	const refreshing = refreshTimed(log);
	const panels = await watchPanels(periods, loadStart + loadSeconds * 1000, refreshing, log);
	const fresh = await refreshing;
	const afterRefresh = loadavg()[0]!;
	const allCurrentAfter = await allCurrent();
	log(`Every day table current again ${fresh.seconds.toFixed(1)} s after the load: ${allCurrentAfter ? 'yes' : 'no'} (load average ${afterRefresh.toFixed(1)})`);
	rmSync(file, { force: true });
	return {
		copiedDay: copied,
		newDay: next,
		impressions: report.rows_loaded,
		loadSeconds,
		refreshSeconds: fresh.seconds,
		currentBefore,
		catchUpSeconds: catchUp.seconds,
		allCurrentAfter,
		builds: fresh.builds,
		failures: fresh.failures,
		loadAvg: { before, afterLoad, afterRefresh },
		panels
	};
}
