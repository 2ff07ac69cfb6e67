import type { Grain } from '../../contracts/metrics.js';
import { defaultPeriod, parsePageState, previousPeriod, type ParsedPageState } from '../../url-state.js';
import { query } from '../warehouse/index.js';
import { cachedForPages } from './page-cache.js';
import { boundedPeriod } from './period-bounds.js';

// The first and latest day with activity change only when data is loaded: one
// answer per data version (page-cache.ts), shared by concurrent page loads, so
// no page load scans for them and a busy server does not rescan on a timer.

/**
 * The latest UTC day with impressions or generation jobs, or null on an empty
 * warehouse. Default periods end there, so a demo that ends on 2026-11-01 opens
 * on October, not on an empty "last 28 days" of the calendar.
 */
export function latestDataDay(): Promise<string | null> {
	return cachedForPages('data-day', 'latest', readLatestDataDay);
}

async function readLatestDataDay(): Promise<string | null> {
	// The last day carrying a real share of traffic: a session that runs past
	// midnight on the final day leaves a handful of impressions on the next one,
	// which must not become the end of the default period.
	const rows = await query<{ day: string | null }>(
		`SELECT toString(greatest(
			(SELECT ifNull(max(day), toDate('1970-01-01')) FROM (
				SELECT toDate(ts) AS day, count() AS n FROM impressions
				WHERE ts >= (SELECT max(ts) FROM impressions) - INTERVAL 14 DAY GROUP BY day
			) WHERE n >= 0.2 * (SELECT quantileExact(0.5)(n) FROM (
				SELECT toDate(ts) AS day, count() AS n FROM impressions
				WHERE ts >= (SELECT max(ts) FROM impressions) - INTERVAL 14 DAY GROUP BY day
			))),
			(SELECT ifNull(max(toDate(started_at)), toDate('1970-01-01')) FROM generation_jobs)
		)) AS day`,
		{ tag: 'page:latest-data-day' }
	);
	return rows[0]?.day && rows[0].day !== '1970-01-01' ? rows[0].day : null;
}

export interface ResolvedPageState extends ParsedPageState {
	previous: { from: string; to: string };
	/** Latest day with data, or null when the warehouse is empty. */
	dataEnd: string | null;
	/** The period used when the URL names none. */
	defaults: { from: string; to: string };
}

/**
 * Every page's `load` starts here: period, grain, compare and filters from the
 * URL, with the default period taken from the data.
 */
export async function resolvePageState(url: URL, opts: { grain?: Grain; days?: number } = {}): Promise<ResolvedPageState> {
	// An unreachable warehouse must not take the page down: panels show their own errors.
	const dataEnd = await latestDataDay().catch(() => null);
	const today = new Date().toISOString().slice(0, 10);
	const defaults = defaultPeriod(dataEnd ?? today, opts.days);
	const parsed = parsePageState(url.searchParams, { ...defaults, grain: opts.grain });
	// Every panel of the page computes this period: no wider than the data and its grain allow (period-bounds.ts).
	const first = await firstDataDay().catch(() => null);
	const bounded = boundedPeriod(parsed.state, { first, last: dataEnd, today });
	if (bounded !== parsed.state) parsed.state = bounded;
	return { ...parsed, previous: previousPeriod(parsed.state), dataEnd, defaults };
}

/** The first UTC day with generation jobs or provisioned fleet: the start of "all data" history charts. */
export function firstDataDay(): Promise<string | null> {
	return cachedForPages('data-day', 'first', readFirstDataDay);
}

async function readFirstDataDay(): Promise<string | null> {
	const rows = await query<{ day: string }>(
		`SELECT toString(least(
			(SELECT ifNull(min(toDate(started_at)), toDate('2149-06-06')) FROM generation_jobs),
			(SELECT ifNull(min(toDate(valid_from)), toDate('2149-06-06')) FROM gpu_fleet),
			(SELECT ifNull(min(toDate(ts)), toDate('2149-06-06')) FROM impressions)
		)) AS day`,
		{ tag: 'page:first-data-day' }
	);
	return rows[0]?.day && rows[0].day !== '2149-06-06' ? rows[0].day : null;
}
