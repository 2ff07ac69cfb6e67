import { error, json } from '@sveltejs/kit';
import { authorOf, removeAnnotation } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import type { RequestHandler } from './$types';

/** DELETE /api/v1/annotations/<id>: removes it (kept in the table as a newer, removed row; audited). */
export const DELETE: RequestHandler = async (event) => {
	const removed = await removeAnnotation(event.params.annotation, authorOf(event.locals), { ip: clientIp(event) });
	if (!removed) error(404, `no annotation ${event.params.annotation}`);
	return json({ ok: true });
};
