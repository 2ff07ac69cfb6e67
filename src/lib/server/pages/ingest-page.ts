import type { FileSource } from '../../contracts/ingest.js';
import { deadLetterReasons, deadLetters, gapsOf, listRuns, pagePeriod, rowsPerDay, type DayCount, type DeadLetterRow, type Gap, type ReasonCount, type RunRow } from '../ingest-runs/index.js';
import { PerDataVersionCache, versionFrom } from '../cache/per-data-version.js';
import { cachedForPages } from './page-cache.js';

/**
 * What the Ingest page shows, cached per data version so repeated visits answer
 * from memory (its rows-per-day count scans every source table). Two versions:
 * the bookkeeping tables (runs, dead letters) are read on every visit, from
 * part metadata, so a run's progress and its refused rows show at once; what
 * reads the source tables is kept in the pages' one cache (page-cache.ts), on
 * the panels' version (at most 5 s old). The JSON API and
 * `loopmeter status` read afresh.
 */
export const ingestBookkeepingVersion = versionFrom(
	`SELECT concat(toString(max(modification_time)), '/', toString(count()), '/', toString(sum(rows))) AS v
	FROM system.parts
	WHERE active AND database = currentDatabase() AND table IN ('ingest_runs', 'dead_letters')`,
	{ tag: 'cache:ingest-version', ttlMs: 0 }
);

const TTL_MS = 10 * 60_000;
// Dead-letter rows carry the raw refused line: bound what the page keeps.
const MAX_BYTES = 64 * 2 ** 20;
const bookkeeping = new PerDataVersionCache<RunRow[] | ReasonCount[] | DeadLetterRow[]>({ version: ingestBookkeepingVersion, ttlMs: TTL_MS, maxEntries: 200, maxBytes: MAX_BYTES });

type Source = FileSource | 'stripe_events';

export function cachedPagePeriod(from?: string, to?: string): Promise<{ from: string; to: string }> {
	return cachedForPages('ingest:period', `${from ?? ''}|${to ?? ''}`, () => pagePeriod(from, to));
}

/** Rows per event day and source over [from, to), with the gaps between busy days. */
export function cachedRowsPerDay(from: string, to: string): Promise<{ days: DayCount[]; gaps: Gap[] }> {
	return cachedForPages('ingest:days', `${from}|${to}`, async () => {
		const days = await rowsPerDay(from, to);
		return { days, gaps: gapsOf(days) };
	});
}

/**
 * The latest runs, the dead-letter reasons and the latest dead letters, as the
 * page shows them; the bookkeeping version is read once for the three.
 */
export async function cachedBookkeeping(q: { source?: Source; reason?: string; limit: number }): Promise<{ runs: Promise<RunRow[]>; reasons: Promise<ReasonCount[]>; letters: Promise<DeadLetterRow[]> }> {
	const version = await ingestBookkeepingVersion();
	const source = q.source ?? '';
	return {
		runs: bookkeeping.get(`runs|${source}|${q.limit}`, () => listRuns({ source: q.source, limit: q.limit }), version) as Promise<RunRow[]>,
		reasons: bookkeeping.get(`reasons|${source}`, () => deadLetterReasons({ source: q.source }), version) as Promise<ReasonCount[]>,
		letters: bookkeeping.get(`letters|${source}|${JSON.stringify(q.reason ?? '')}|${q.limit}`, () => deadLetters({ source: q.source, reason: q.reason, limit: q.limit }), version) as Promise<DeadLetterRow[]>
	};
}
