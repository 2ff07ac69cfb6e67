import { error, json } from '@sveltejs/kit';
import { restatementReport } from '$lib/server/finance-history';
import { MetricRequestError } from '$lib/server/metrics/run';
import { toCsv } from '$lib/csv';
import type { RequestHandler } from './$types';

const tables = ['months', 'restatements', 'corrections'] as const;
type Table = (typeof tables)[number];

/**
 * GET /api/v1/finance/restatements?from=&to=[&format=csv&table=months|restatements|corrections]:
 * each correction of a fleet or price-sheet rate with its effect on every month's
 * spend and margin, and each closed month as reported at close beside the figure now
 * (docs/finance.md "Rate history, as-of and closed months"). Periods widen to whole months.
 */
export const GET: RequestHandler = async ({ url, request }) => {
	const from = url.searchParams.get('from') ?? '';
	const to = url.searchParams.get('to') ?? '';
	let report;
	try {
		report = await restatementReport({ from, to }, { signal: request.signal });
	} catch (e) {
		if (e instanceof MetricRequestError) error(400, e.message);
		throw e;
	}
	if (url.searchParams.get('format') !== 'csv') return json(report);
	const table = (url.searchParams.get('table') ?? 'restatements') as Table;
	if (!tables.includes(table)) error(400, `table: must be one of: ${tables.join(', ')}`);
	return new Response(toCsv(report[table] as unknown as Record<string, unknown>[]), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${table}_${report.from}_${report.to}.csv"` }
	});
};
