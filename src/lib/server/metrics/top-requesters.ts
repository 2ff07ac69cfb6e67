import type { Filters } from '../../url-state.js';
import { query } from '../warehouse/index.js';
import { baseParams, filterClause } from './build-query.js';
import { metricSql } from './sql-files.js';
import { parseMetricRequest } from './run.js';

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
 * job dimensions apply; the query is sql/metrics/drill/top_requesters.sql.
 */
export async function topRequesters(p: { from: string; to: string; filters: Filters }, limit = 20): Promise<TopRequesters> {
	const filters = Object.fromEntries(Object.entries(p.filters).filter(([d]) => (FILTERABLE as readonly string[]).includes(d)));
	const file = 'sql/metrics/drill/top_requesters.sql';
	try {
		// Validated like any metric request (dates, filter values); the metric id only names the check.
		const req = parseMetricRequest({ metric: 'utilized_gpu_hours', from: p.from, to: p.to, filters });
		const params = { ...baseParams(req), limit };
		const inner = metricSql('drill/top_requesters');
		// job_cost rows carry every filterable column; filters go inside, before grouping by user.
		const sql = inner.replace('/*filters*/', filterClause(req)) + '\nLIMIT {limit:UInt32}';
		const rows = await query<Record<string, unknown>>(sql, { tag: 'page:top-requesters', params });
		return { ok: true, rows: rows.map(numeric), sql, params, file };
	} catch (e) {
		return { ok: false, error: (e as Error).message.split('\n')[0], rows: [], sql: '', params: {}, file };
	}
}

function numeric(r: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'string' && k !== 'user_id' && k !== 'plan' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : v;
	return out;
}
