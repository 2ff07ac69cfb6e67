import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { audit } from '$lib/server/audit';
import { authSettings, clientIp, SESSION_COOKIE, setSessionCookie } from '$lib/server/auth';
import { verifyPassword } from '$lib/server/auth/passwords';
import { createSession, revokeSession } from '$lib/server/auth/sessions';
import { findUser } from '$lib/server/auth/users';
import { safeNext } from '$lib/server/auth/next';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.auth.kind === 'session' || locals.auth.kind === 'proxy') redirect(303, safeNext(url.searchParams.get('next')));
	return {
		next: safeNext(url.searchParams.get('next')),
		proxyMode: authSettings().config.LOOPMETER_AUTH === 'proxy'
	};
};

const credentials = z.object({
	name: z.string().trim().min(1, 'name is required').max(64, 'name must have at most 64 characters'),
	password: z.string().min(1, 'password is required').max(1024, 'password must have at most 1024 characters'),
	next: z.string().max(2000).optional()
});

export const actions: Actions = {
	default: async (event) => {
		const { request, cookies, setHeaders } = event;
		const { config, limiter } = authSettings();
		if (config.LOOPMETER_AUTH === 'proxy') return fail(400, { message: 'Sign-in is handled by your company’s single sign-on in front of Loopmeter.', field: '', name: '' });
		const form = Object.fromEntries(await request.formData());
		const parsed = credentials.safeParse(form);
		if (!parsed.success) {
			const issue = parsed.error.issues[0]!;
			return fail(400, { message: issue.message, field: String(issue.path[0] ?? ''), name: typeof form.name === 'string' ? form.name : '' });
		}
		const { name, password, next } = parsed.data;
		const ip = clientIp(event);

		const verdict = limiter.check(ip, name);
		if (!verdict.allowed) {
			await audit({ actor: name, action: 'login.locked', target: name, outcome: 'denied', ip, detail: `too many failures from this ${verdict.reason}` });
			setHeaders({ 'retry-after': String(verdict.retryAfterSec) });
			const minutes = Math.max(1, Math.ceil(verdict.retryAfterSec / 60));
			const who = verdict.reason === 'account' ? 'this account' : 'this address';
			return fail(429, { message: `Too many failed sign-ins for ${who}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, field: '', name });
		}

		const user = await findUser(name);
		const ok = await verifyPassword(password, user?.password_hash);
		if (!user || !ok) {
			const lockedNow = limiter.fail(ip, name);
			await audit({ actor: name, action: 'login.failed', target: name, outcome: 'failed', ip, detail: user ? 'wrong password' : 'unknown name' });
			if (lockedNow) await audit({ actor: name, action: 'login.locked', target: name, outcome: 'denied', ip, detail: `locked for ${config.LOOPMETER_LOGIN_LOCKOUT_MINUTES} min` });
			// Same answer for an unknown name and a wrong password.
			return fail(400, { message: 'Wrong name or password.', field: 'password', name });
		}
		limiter.succeed(name);

		// A new session id on every sign-in: a planted or stolen pre-login cookie is worthless.
		const previous = cookies.get(SESSION_COOKIE);
		if (previous && previous.length <= 100) await revokeSession(previous);
		const session = await createSession(user.name, config.LOOPMETER_SESSION_HOURS, ip);
		setSessionCookie(event, session.id, session.expires);
		await audit({ actor: user.name, action: 'login', target: user.name, ip });
		redirect(303, user.must_change_password ? '/login/password' : safeNext(next));
	}
};
