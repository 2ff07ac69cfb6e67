import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { audit } from '$lib/server/audit';
import { authSettings, clientIp, SESSION_COOKIE, setSessionCookie } from '$lib/server/auth';
import { verifyPassword } from '$lib/server/auth/passwords';
import { createSession, revokeSession } from '$lib/server/auth/sessions';
import { findUser } from '$lib/server/auth/users';
import { safeNext } from '$lib/server/auth/next';
import { sha256 } from '$lib/server/auth/secrets';
import type { Actions, PageServerLoad } from './$types';

/**
 * A name that is no account is often a password typed in the wrong field: it
 * is never written to the audit log or a log line as typed, only its length
 * and a short digest, which still show that one string was tried many times.
 */
function unknownName(name: string): string {
	return `unknown name (${name.length} chars, sha256 ${sha256(name).slice(0, 8)})`;
}

/**
 * A refused attempt is audited at most once a minute per address, account and
 * reason (with how many were refused since), and 60 a minute in all: a client
 * hammering the form cannot grow the audit log without bound.
 */
async function auditRefusal(ip: string, name: string, reason: 'account' | 'address' | 'busy'): Promise<void> {
	const grant = authSettings().refusalAudit.take(`login ${ip} ${name.toLowerCase()} ${reason}`);
	if (!grant.write) return;
	const known = await findUser(name).catch(() => undefined);
	name = known ? known.name : unknownName(name);
	const more = grant.suppressed ? `; ${grant.suppressed} more refused since the last entry` : '';
	const why = reason === 'busy' ? 'too many sign-ins at once from this address' : `too many failures from this ${reason}`;
	await audit({ actor: name, action: 'login.locked', target: name, outcome: 'denied', ip, detail: why + more });
}

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

		// Reserved before anything is awaited: parallel attempts count against each other.
		const started = limiter.begin(ip, name);
		if (!started.allowed) {
			await auditRefusal(ip, name, started.reason);
			setHeaders({ 'retry-after': String(started.retryAfterSec) });
			if (started.reason === 'busy') return fail(429, { message: 'Too many sign-ins at once from this address. Try again in a moment.', field: '', name });
			const minutes = Math.max(1, Math.ceil(started.retryAfterSec / 60));
			const who = started.reason === 'account' ? 'this account' : 'this address';
			return fail(429, { message: `Too many failed sign-ins for ${who}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, field: '', name });
		}
		const { attempt } = started;
		let user: Awaited<ReturnType<typeof findUser>>;
		let ok: boolean;
		try {
			user = await findUser(name);
			ok = await verifyPassword(password, user?.password_hash);
		} catch (e) {
			attempt.release();
			throw e;
		}
		if (!user || !ok) {
			const lockedNow = attempt.fail();
			const who = user ? user.name : unknownName(name);
			await audit({ actor: who, action: 'login.failed', target: who, outcome: 'failed', ip, detail: user ? 'wrong password' : 'unknown name' });
			if (lockedNow) await audit({ actor: who, action: 'login.locked', target: who, outcome: 'denied', ip, detail: `locked for ${config.LOOPMETER_LOGIN_LOCKOUT_MINUTES} min` });
			// Same answer for an unknown name and a wrong password.
			return fail(400, { message: 'Wrong name or password.', field: 'password', name });
		}
		attempt.succeed();

		// A new session id on every sign-in: a planted or stolen pre-login cookie is worthless.
		const previous = cookies.get(SESSION_COOKIE);
		if (previous && previous.length <= 100) await revokeSession(previous);
		const session = await createSession(user.name, config.LOOPMETER_SESSION_HOURS, ip);
		setSessionCookie(event, session.id, session.expires);
		await audit({ actor: user.name, action: 'login', target: user.name, ip });
		redirect(303, user.must_change_password ? '/login/password' : safeNext(next));
	}
};
