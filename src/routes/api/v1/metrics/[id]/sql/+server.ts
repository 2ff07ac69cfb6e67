import { error } from '@sveltejs/kit';
import { metricId } from '$lib/contracts/metrics';
import { metricSqlFiles } from '$lib/server/metrics/sql-source';
import type { RequestHandler } from './$types';

/** GET /api/v1/metrics/<id>/sql — the SQL files the metric (and its drill-down) is computed from, as text. */
export const GET: RequestHandler = ({ params }) => {
	const id = metricId.safeParse(params.id);
	if (!id.success) error(400, `metric: ${id.error.issues[0]!.message}`);
	const files = metricSqlFiles(id.data);
	const text = files.map((f) => `-- ==== ${f.file} ====\n${f.text.trimEnd()}\n`).join('\n');
	return new Response(text, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
};
