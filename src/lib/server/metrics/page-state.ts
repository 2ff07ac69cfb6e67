import type { Grain } from '../../contracts/metrics.js';
import { defaultPeriod, parsePageState, previousPeriod, type ParsedPageState } from '../../url-state.js';
import { query } from '../warehouse/index.js';

// The latest day with activity changes only when data is loaded; a short cache
// keeps every page load from scanning for it.
const TTL_MS = 30_000;
let cached: { at: number; day: string | null } | undefined;

/**
 * The latest UTC day with impressions or generation jobs, or null on an empty
 * warehouse. Default periods end there, so a demo that ends on 2026-11-01 opens
 * on October, not on an empty "last 28 days" of the calendar.
 */
export async function latestDataDay(): Promise<string | null> {
	if (cached && Date.now() - cached.at < TTL_MS) return cached.day;
	const rows = await query<{ day: string | null }>(
		`SELECT toString(greatest(
			(SELECT ifNull(max(toDate(ts)), toDate('1970-01-01')) FROM impressions),
			(SELECT ifNull(max(toDate(started_at)), toDate('1970-01-01')) FROM generation_jobs)
		)) AS day`,
		{ tag: 'page:latest-data-day' }
	);
	const day = rows[0]?.day && rows[0].day !== '1970-01-01' ? rows[0].day : null;
	cached = { at: Date.now(), day };
	return day;
}

/** Forget the cached latest day (after an ingest). */
export function forgetLatestDataDay(): void {
	cached = undefined;
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
	return { ...parsed, previous: previousPeriod(parsed.state), dataEnd, defaults };
}
