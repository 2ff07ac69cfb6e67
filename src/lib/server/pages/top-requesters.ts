import type { Filters } from '../../url-state.js';
import { queryRows } from '../metrics/drill.js';
import { parseMetricRequest } from '../metrics/run.js';

const FILTERABLE = ['cluster', 'gpu_type', 'purpose', 'model', 'resolution', 'status', 'plan'] as const;

export interface TopRequesters {
	ok: boolean;
	error?: string;
	rows: Record<string, unknown>[];
	sql: string;
	params: Record<string, unknown>;
	file: string;
}

/**
 * Users whose generation jobs used the most GPU-hours in the period (user-level
 * rows: the page shows them only to roles that may see users). Page filters on
 * job dimensions apply; the query is sql/metrics/drill/top_requesters.sql, run
 * like every rows query (drill.ts), as of the page's `as_of` if it has one.
 */
export async function topRequesters(p: { from: string; to: string; filters: Filters; as_of?: string }, limit = 20): Promise<TopRequesters> {
	const filters = Object.fromEntries(Object.entries(p.filters).filter(([d]) => (FILTERABLE as readonly string[]).includes(d)));
	const file = 'sql/metrics/drill/top_requesters.sql';
	try {
		// Validated like any metric request (dates, filter values): the rows are those behind utilized GPU-hours.
		// as_of: allocated cost from the fleet and price-sheet rows as loaded by then, like the page's panels.
		const req = parseMetricRequest({ metric: 'utilized_gpu_hours', from: p.from, to: p.to, filters, as_of: p.as_of });
		const result = await queryRows('top_requesters', req, { limit, numeric: true, tag: 'page:top-requesters' });
		return { ok: true, rows: result.rows, sql: result.sql, params: result.params, file };
	} catch (e) {
		return { ok: false, error: (e as Error).message.split('\n')[0], rows: [], sql: '', params: {}, file };
	}
}
