import { redirect } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { actorOf, clearSessionCookie, clientIp } from '$lib/server/auth';
import { revokeSession } from '$lib/server/auth/sessions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({ kind: locals.auth.kind });

export const actions: Actions = {
	default: async (event) => {
		const auth = event.locals.auth;
		if (auth.sessionId) await revokeSession(auth.sessionId);
		clearSessionCookie(event.cookies, event);
		await audit({ actor: actorOf(auth), action: 'logout', target: auth.user?.name ?? '', ip: clientIp(event) });
		redirect(303, '/login');
	}
};
