import { json } from '@sveltejs/kit';
import { addAnnotation, AnnotationError, authorOf, listAnnotations } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import { annotation } from '$lib/contracts/annotations';
import { csvResponse } from '$lib/server/http/csv-response';
import { createdFromJson, dayRangeParams } from '$lib/server/http/api-write';
import type { RequestHandler } from './$types';

/** GET /api/v1/annotations[?from=&to=][&format=csv]: dated notes drawn on the charts, oldest first. */
export const GET: RequestHandler = async ({ url }) => {
	const list = await listAnnotations(dayRangeParams(url));
	if (url.searchParams.get('format') === 'csv') {
		return csvResponse({ filename: 'annotations.csv', fields: annotation.keyof().options, rows: list });
	}
	return json({ annotations: list });
};

/** POST /api/v1/annotations {day, kind?, title, body?}: adds one (author and audit entry from the caller). */
export const POST: RequestHandler = async (event) =>
	createdFromJson(event.request, (body) => addAnnotation(body as Parameters<typeof addAnnotation>[0], authorOf(event.locals), { ip: clientIp(event) }), AnnotationError);
