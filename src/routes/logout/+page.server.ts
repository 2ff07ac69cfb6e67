import { redirect } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { actorOf, clearSessionCookie, clientIp } from '$lib/server/auth';
import { revokeSession } from '$lib/server/auth/sessions';
import { endAllSessions } from '$lib/server/auth/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({ kind: locals.auth.kind });

export const actions: Actions = {
	/** Ends this browser's session; with `everywhere=1`, every session of the person (other browsers, devices). */
	default: async (event) => {
		const auth = event.locals.auth;
		const everywhere = (await event.request.formData()).get('everywhere') === '1' && auth.kind === 'session' && !!auth.user;
		if (everywhere) await endAllSessions(auth.user!.name, auth.user!.name);
		if (auth.sessionId) await revokeSession(auth.sessionId);
		clearSessionCookie(event.cookies, event);
		await audit({ actor: actorOf(auth), action: 'logout', target: auth.user?.name ?? '', ip: clientIp(event), detail: everywhere ? 'every session' : 'this session' });
		redirect(303, '/login');
	}
};
