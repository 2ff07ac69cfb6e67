import { existsSync, readFileSync } from 'node:fs';
import type { MetricId } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { getMetric } from './registry.js';

/**
 * Columns that name a person: an end user, a creator (who is a user too: the
 * feed is made of users' uploads), a paying customer, or one person's session.
 * A drill-down whose own SQL mentions one lists people, whatever its metric
 * declares, so a new drill file cannot widen who sees user-level rows by
 * forgetting the flag (creator, remix and watchlist lists once did).
 */
const PERSON_COLUMNS = /\b(user_id|creator_id|customer_id|session_id|requester_id|viewer_id)\b/;

const cache = new Map<string, boolean>();

function drillFileNamesPeople(drilldown: string): boolean {
	let named = cache.get(drilldown);
	if (named === undefined) {
		const file = sqlPath('metrics', 'drill', `${drilldown}.sql`);
		// An unwritten drill file lists nothing yet; the loader reports it missing.
		named = existsSync(file) && PERSON_COLUMNS.test(readFileSync(file, 'utf8'));
		cache.set(drilldown, named);
	}
	return named;
}

/**
 * Whether the metric's drill-down lists rows about individual people (only
 * user-level roles may see those, never a `metrics:read` token). A metric not
 * (yet) registered counts as listing people: the safe side.
 */
export function drilldownListsPeople(id: MetricId): boolean {
	const def = getMetric(id);
	if (!def) return true;
	if (def.drilldownHasUserRows) return true;
	return def.drilldown ? drillFileNamesPeople(def.drilldown) : false;
}
