import { error, json } from '@sveltejs/kit';
import { addAnnotation, AnnotationError, authorOf, listAnnotations } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import { toCsv } from '$lib/csv';
import type { RequestHandler } from './$types';

const day = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/v1/annotations[?from=&to=][&format=csv]: dated notes drawn on the charts, oldest first. */
export const GET: RequestHandler = async ({ url }) => {
	const from = url.searchParams.get('from') ?? undefined;
	const to = url.searchParams.get('to') ?? undefined;
	for (const [k, v] of [['from', from], ['to', to]] as const) if (v !== undefined && !day.test(v)) error(400, `${k}: must be a date like 2026-10-01`);
	const list = await listAnnotations({ from, to });
	if (url.searchParams.get('format') === 'csv') {
		return new Response(toCsv(list, ['id', 'day', 'kind', 'title', 'body', 'author', 'created_at']), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="annotations.csv"' }
		});
	}
	return json({ annotations: list });
};

/** POST /api/v1/annotations {day, kind?, title, body?}: adds one (author and audit entry from the caller). */
export const POST: RequestHandler = async (event) => {
	let body: unknown;
	try {
		body = await event.request.json();
	} catch {
		error(400, 'body: not valid JSON');
	}
	try {
		const a = await addAnnotation(body as Parameters<typeof addAnnotation>[0], authorOf(event.locals), { ip: clientIp(event) });
		return json(a, { status: 201 });
	} catch (e) {
		if (e instanceof AnnotationError) error(400, e.message);
		throw e;
	}
};
