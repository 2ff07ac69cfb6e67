import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { audit } from '$lib/server/audit';
import { authSettings, clientIp, setSessionCookie } from '$lib/server/auth';
import { verifyPassword } from '$lib/server/auth/passwords';
import { createSession } from '$lib/server/auth/sessions';
import { findUser, newPassword, resetPassword } from '$lib/server/auth/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	// Demo and proxy identities have no password here.
	if (locals.auth.kind !== 'session') redirect(303, '/');
	return { mustChange: Boolean(locals.auth.mustChangePassword) };
};

const change = z
	.object({
		current: z.string().min(1, 'current password is required').max(1024),
		password: newPassword,
		confirm: z.string()
	})
	.refine((f) => f.password === f.confirm, { message: 'the two new passwords differ', path: ['confirm'] })
	.refine((f) => f.password !== f.current, { message: 'choose a password different from the current one', path: ['password'] });

export const actions: Actions = {
	default: async (event) => {
		const auth = event.locals.auth;
		if (auth.kind !== 'session' || !auth.user) redirect(303, '/login');
		const parsed = change.safeParse(Object.fromEntries(await event.request.formData()));
		if (!parsed.success) {
			const issue = parsed.error.issues[0]!;
			return fail(400, { message: issue.message, field: String(issue.path[0] ?? '') });
		}
		const user = await findUser(auth.user.name);
		if (!user || !(await verifyPassword(parsed.data.current, user.password_hash))) {
			return fail(400, { message: 'The current password is wrong.', field: 'current' });
		}
		const ip = clientIp(event);
		// Resetting voids every session of the account, this one included: start a fresh one.
		await resetPassword(user.name, { password: parsed.data.password, mustChange: false, by: user.name });
		const session = await createSession(user.name, authSettings().config.LOOPMETER_SESSION_HOURS, ip);
		setSessionCookie(event, session.id, session.expires);
		await audit({ actor: user.name, action: 'password.change', target: user.name, ip });
		redirect(303, '/');
	}
};
