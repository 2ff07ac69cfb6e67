import { z } from 'zod';
import { query, type Params } from '../warehouse/index.js';
import type { BuiltQuery } from './build-query.js';
import { changedTables, impressionDaysAfter, onlyAdded, type SourceTable, type Watermark } from './day-table-changes.js';
import { IMPRESSION_REACH, isDayTableSource, type DayTableSource } from './day-table-sources.js';
import { metricSql } from './sql-files.js';

/**
 * Validity per day: which days of a day table may differ from what its file
 * computes now, so that a request whose days avoid them still reads the table
 * while an ingest's refresh has not swapped those days in yet (day-tables.ts).
 *
 * A build records the data it saw (a watermark) and the days still stale
 * against that data (none once every month is swapped). Later, if only
 * impressions were added, the days those impressions can change are found
 * from the new parts alone (day-table-changes.ts) and widened by how far the
 * file looks (IMPRESSION_REACH); anything else since the build (accounts,
 * videos, Stripe, jobs, a partition gone back) makes every day stale.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Days [first, last], both included. */
export const DayRange = z.tuple([z.string().regex(DAY), z.string().regex(DAY)]);
export type DayRange = z.infer<typeof DayRange>;

/** The end of a range open to the future ("this day and every later one"). */
export const LAST_DAY = '9999-12-31';

export function addDays(day: string, n: number): string {
	if (day === LAST_DAY) return day;
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + n);
	return d.toISOString().slice(0, 10);
}

/** Every day from `first` to `last`, both included. */
export function dayRange(first: string, last: string): string[] {
	const out: string[] = [];
	for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
	return out;
}

/** The same days as sorted, disjoint ranges (touching ranges joined). */
export function mergeRanges(ranges: readonly DayRange[]): DayRange[] {
	const out: DayRange[] = [];
	for (const [a, b] of [...ranges].filter(([a, b]) => a <= b).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
		const last = out.at(-1);
		if (last && a <= addDays(last[1], 1)) last[1] = b > last[1] ? b : last[1];
		else out.push([a, b]);
	}
	return out;
}

/** A list of days as ranges of consecutive days. */
export const rangesOf = (days: readonly string[]): DayRange[] => mergeRanges(days.map((d) => [d, d]));

/** The days of `ranges` within [first, last], one by one. */
export const daysIn = (ranges: readonly DayRange[], first: string, last: string): string[] =>
	mergeRanges(ranges).flatMap(([a, b]) => dayRange(a > first ? a : first, b < last ? b : last));

/** Whether [from, to) (to excluded) shares a day with one of the ranges. */
export const overlaps = (from: string, to: string, ranges: readonly DayRange[]): boolean => ranges.some(([a, b]) => a < to && from <= b);

/**
 * A file that reads the last day with impressions but does not say how far
 * that reaches (no `lastDay` in IMPRESSION_REACH): every day may change when
 * the last day moves.
 */
export const lastDayReachUnknown = (source: DayTableSource): boolean =>
	IMPRESSION_REACH[source].lastDay === undefined && /\blast_impression_day\b/.test(metricSql(source));

/**
 * The days of a day table that impressions added on `added` can change, when
 * the last day with impressions was `lastDay` at its build. The last day can
 * only move to the latest added day, so that is taken as where it went (a few
 * days too many if those rows were internal, never one too few).
 */
export function reachOf(source: DayTableSource, added: readonly string[], lastDay: string): DayRange[] {
	if (!added.length) return [];
	const reach = IMPRESSION_REACH[source];
	const first = added.reduce((a, b) => (a < b ? a : b));
	const last = added.reduce((a, b) => (a > b ? a : b));
	const out: DayRange[] = added.map((d) => [addDays(d, -reach.before), addDays(d, reach.after)]);
	if (reach.orLater) out.push([first, LAST_DAY]);
	if (reach.lastDay !== undefined && last > lastDay) out.push([addDays(lastDay, 1 - reach.lastDay), addDays(last, -reach.lastDay)]);
	return mergeRanges(out);
}

/** What a build saw: the source tables' watermark, the last day with impressions, and its days still stale against them. */
export interface Seen {
	watermark: Watermark;
	lastDay: string;
	stale: DayRange[];
}

/** The days of impressions added after an impressions watermark (sorted), as the refresh or a reader looks them up. */
export type AddedDays = (after: Record<string, number>) => Promise<string[]>;

/**
 * The days of a day table that may not match the data at `now` (none: it is
 * current), or undefined when any day may not (not only impressions were
 * added since `seen`, or the last day moved for a file that does not say
 * how far that reaches).
 */
export async function staleDays(source: DayTableSource, seen: Seen, now: Watermark, reads: Iterable<SourceTable>, addedDays: AddedDays): Promise<DayRange[] | undefined> {
	const changed = changedTables(seen.watermark, now, reads);
	if (!changed.length) return seen.stale;
	if (changed.some((t) => t !== 'impressions') || !onlyAdded(seen.watermark.impressions, now.impressions)) return undefined;
	const added = await addedDays(seen.watermark.impressions ?? {});
	if (lastDayReachUnknown(source) && added.some((d) => d > seen.lastDay)) return undefined;
	return mergeRanges([...seen.stale, ...reachOf(source, added, seen.lastDay)]);
}

/**
 * impressionDaysAfter, remembered per pair of watermarks: between an ingest
 * and its refresh, every request asks the same question (the new parts do not
 * change until the watermark does).
 */
export function rememberedAddedDays(now: Watermark): AddedDays {
	return (after) => {
		const key = `${JSON.stringify(after)}|${JSON.stringify(now.impressions ?? {})}`;
		let days = addedDaysMemory.get(key);
		if (!days) {
			days = impressionDaysAfter(after);
			days.catch(() => addedDaysMemory.delete(key));
			addedDaysMemory.set(key, days);
			// A few pairs are live at once (one per distinct build watermark); older ones are never asked again.
			while (addedDaysMemory.size > 32) addedDaysMemory.delete(addedDaysMemory.keys().next().value!);
		}
		return days;
	};
}
const addedDaysMemory = new Map<string, Promise<string[]>>();

/** One read of a day table in a query's SQL: `SELECT * FROM day_x WHERE day >= lo AND day < hi` (sql-files.ts, dayTableText). */
export interface DayTableRead {
	source: DayTableSource;
	/** The bounds as SQL expressions of the query's parameters (a widened period substitutes {from:Date} / {to:Date}). */
	lo: string;
	hi: string;
}

const READ = /FROM day_([a-z0-9_]+) WHERE day >= /g;
const HI = ' AND day < ';

/**
 * Reads `sql` from `start` to the first place, outside brackets and strings,
 * where `stop` says so: a bound expression of a day-table read.
 */
function expressionFrom(sql: string, start: number, stop: (at: number) => boolean): { text: string; end: number } {
	let depth = 0;
	let i = start;
	for (; i < sql.length; i++) {
		const c = sql[i]!;
		if (c === "'") {
			i = sql.indexOf("'", i + 1);
			if (i < 0) break;
		} else if (depth === 0 && stop(i)) break;
		else if (c === '(') depth++;
		else if (c === ')') depth--;
	}
	if (i < 0 || i > sql.length) i = sql.length;
	return { text: sql.slice(start, i).trim(), end: i };
}

/** Every read of a day table in a built query, with its bounds. */
export function dayTableReads(sql: string): DayTableRead[] {
	const out: DayTableRead[] = [];
	for (const m of sql.matchAll(READ)) {
		const source = m[1]!;
		if (!isDayTableSource(source)) continue;
		const lo = expressionFrom(sql, m.index + m[0].length, (i) => sql.startsWith(HI, i));
		const hi = expressionFrom(sql, lo.end + HI.length, (i) => sql[i] === ')' || sql[i] === '\n');
		out.push({ source, lo: lo.text, hi: hi.text });
	}
	return out;
}

/** The plain bounds of a request's period (no widening include): [from − n, to + n), computed without asking the warehouse. */
const PLAIN_LO = /^\{from:Date\}(?: - (\d+))?$/;
const PLAIN_HI = /^\{to:Date\}(?: \+ (\d+))?$/;

/** The days [from, to) each read covers, for the query's parameters. */
async function readDays(reads: DayTableRead[], params: Params): Promise<{ from: string; to: string }[]> {
	const plain = reads.map((r) => {
		const lo = PLAIN_LO.exec(r.lo);
		const hi = PLAIN_HI.exec(r.hi);
		return lo && hi ? { from: addDays(String(params.from), -Number(lo[1] ?? 0)), to: addDays(String(params.to), Number(hi[1] ?? 0)) } : undefined;
	});
	const widened = reads.flatMap((r, i) => (plain[i] ? [] : [r]));
	if (!widened.length) return plain as { from: string; to: string }[];
	// A widened period (a forecast's months, a trend's weeks) from the same expressions the query evaluates.
	const [row] = await query<{ b: string[] }>(`SELECT [${widened.map((r) => `toString(toDate(${r.lo})), toString(toDate(${r.hi}))`).join(', ')}] AS b`, {
		tag: 'day-tables:read-days',
		params
	});
	let k = 0;
	return plain.map((p) => p ?? { from: row!.b[2 * k]!, to: row!.b[2 * k++ + 1]! });
}

/**
 * Builds a request's query reading every day table whose days it reads are
 * all valid: `readable` gives each readable table's stale days (none: every
 * day is valid). A table whose stale days the query would read is left out
 * (its file is computed instead) and the query built again.
 */
export async function buildOnValidDays(readable: ReadonlyMap<string, readonly DayRange[]>, build: (dayTables: ReadonlySet<string>) => BuiltQuery): Promise<BuiltQuery> {
	const usable = new Set(readable.keys());
	for (;;) {
		const built = build(usable);
		const reads = dayTableReads(built.sql).filter((r) => readable.get(r.source)?.length);
		if (!reads.length) return built;
		// Bounds the warehouse cannot evaluate now: those tables are not read (the query itself will say what is wrong).
		const days = await readDays(reads, built.params).catch(() => undefined);
		const stale = reads.filter((r, i) => !days || overlaps(days[i]!.from, days[i]!.to, readable.get(r.source)!));
		if (!stale.length) return built;
		for (const r of stale) usable.delete(r.source);
	}
}
