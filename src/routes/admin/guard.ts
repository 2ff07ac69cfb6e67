import { error, type RequestEvent } from '@sveltejs/kit';
import { actorOf } from '$lib/server/auth';

/** hooks.server.ts already limits /admin to admins; checked again here so a routing slip cannot open it. */
export function adminActor(event: Pick<RequestEvent, 'locals'>): string {
	if (event.locals.auth.user?.role !== 'admin') error(403, { message: 'Admins only.' });
	return actorOf(event.locals.auth);
}
