import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { metricId, requestFromSearchParams } from '$lib/contracts/metrics';
import { assertMayDrill } from '$lib/server/auth';
import { getMetric } from '$lib/server/metrics/registry';
import { drilldownListsPeople } from '$lib/server/metrics/user-rows';
import { MetricRequestError } from '$lib/server/metrics/run';
import { runDrilldown, streamDrilldown, DRILL_PAGE_ROWS } from '$lib/server/metrics/drill';
import { busyIs429, exportResponse, CSV_ROW_CAP } from '$lib/server/http/csv-response';
import { boundPeriod } from '$lib/server/pages/period-span';
import type { RequestHandler } from './$types';

const exportFormat = z.enum(['csv', 'ndjson']);

const limitParam = z.coerce
	.number({ message: 'must be a number' })
	.int('must be a whole number')
	.min(1, 'must be at least 1')
	.max(10_000, 'must be at most 10000 (use format=csv for all rows)');

/**
 * GET /api/v1/metrics/<id>/rows?from&to&<dimension>=a,b[&limit=1000][&format=csv|ndjson]
 * The rows behind a metric's number (sql/metrics/drill/<name>.sql): JSON gives
 * the first `limit` (default 1 000) with the SQL that produced them; CSV and
 * NDJSON give all of them up to the export cap, streamed from the warehouse.
 */
export const GET: RequestHandler = async ({ params, url, request, locals }) => {
	const id = metricId.safeParse(params.id);
	if (!id.success || !getMetric(id.data)) error(404, `No metric called ${params.id}`);
	assertMayDrill(locals.auth, id.data, drilldownListsPeople(id.data));
	const exported = exportFormat.safeParse(url.searchParams.get('format'));
	const sp = new URLSearchParams(url.searchParams);
	const rawLimit = sp.get('limit');
	for (const k of ['format', 'limit', 'grain', 'by']) sp.delete(k);
	let limit = DRILL_PAGE_ROWS;
	if (rawLimit !== null && !exported.success) {
		const parsed = limitParam.safeParse(rawLimit);
		if (!parsed.success) error(400, `limit: ${parsed.error.issues[0]!.message}`);
		limit = parsed.data;
	}
	try {
		const period = await boundPeriod(requestFromSearchParams(params.id, sp));
		if (exported.success) {
			const result = await streamDrilldown(period, { cap: CSV_ROW_CAP, signal: request.signal }).catch(busyIs429);
			return exportResponse({
				format: exported.data,
				filename: `${result.metric}_rows_${result.from}_${result.to}.${exported.data}`,
				fields: result.columns.map((c) => c.name),
				rows: result.rows,
				total: result.total,
				sending: result.sending,
				cap: CSV_ROW_CAP
			});
		}
		const result = await runDrilldown(period, { limit, signal: request.signal });
		return json({
			metric: result.metric,
			from: result.from,
			to: result.to,
			total: result.total,
			limit: result.limit,
			has_user_rows: result.hasUserRows,
			ignored_filters: result.ignoredFilters,
			file: result.file,
			sql: result.sql,
			params: result.params,
			columns: result.columns,
			rows: result.rows
		});
	} catch (e) {
		if (e instanceof MetricRequestError) error(400, e.message);
		throw e;
	}
};
