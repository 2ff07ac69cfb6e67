import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { audit, type AuditEntry } from '$lib/server/audit';
import { cachedAuditLog } from '$lib/server/audit/log-cache';
import { clientIp } from '$lib/server/auth';
import { role, scope } from '$lib/server/auth/access';
import { createToken, listTokens, revokeToken, TokenError } from '$lib/server/auth/tokens';
import { addUser, listUsers, removeUser, resetPassword, setRole, userName, UserError } from '$lib/server/auth/users';
import { adminActor } from './guard';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	adminActor(event);
	const [users, tokens, recent] = await Promise.all([listUsers(), listTokens(), cachedAuditLog({ limit: 20 })]);
	return { users, tokens, recent, roles: role.options, scopes: scope.options };
};

type Form = Record<string, FormDataEntryValue | FormDataEntryValue[]>;

async function formOf(request: Request): Promise<Form> {
	const fd = await request.formData();
	const out: Form = {};
	for (const key of new Set(fd.keys())) {
		const all = fd.getAll(key);
		out[key] = all.length > 1 ? all : all[0]!;
	}
	return out;
}

/** Runs one admin action: validates the form with `schema`, reports the first problem naming the field, audits success. */
async function act<S extends z.ZodType>(
	event: Parameters<Actions[string]>[0],
	schema: S,
	run: (input: z.infer<S>, actor: string) => Promise<{ message: string; secret?: string; audit: Omit<AuditEntry, 'actor' | 'ip'> }>
) {
	const actor = adminActor(event);
	const parsed = schema.safeParse(await formOf(event.request));
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		return fail(400, { error: `${String(issue.path[0] ?? 'form')}: ${issue.message}` });
	}
	try {
		const r = await run(parsed.data, actor);
		await audit({ ...r.audit, actor, ip: clientIp(event) });
		return { message: r.message, secret: r.secret };
	} catch (e) {
		if (e instanceof UserError || e instanceof TokenError || e instanceof z.ZodError) {
			return fail(400, { error: e instanceof z.ZodError ? e.issues[0]!.message : e.message });
		}
		throw e;
	}
}

const scopesField = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(scope).min(1, 'choose at least one scope'));

export const actions: Actions = {
	addUser: (event) =>
		act(event, z.object({ name: userName, role }), async ({ name, role: r }, actor) => {
			const password = await addUser(name, r, { by: actor });
			return { message: `Added ${name} (${r}). Give them this one-time password; it is shown only now.`, secret: password, audit: { action: 'user.add', target: name, detail: `role ${r}` } };
		}),
	setRole: (event) =>
		act(event, z.object({ name: userName, role }), async ({ name, role: r }, actor) => {
			await setRole(name, r, actor);
			return { message: `${name} is now ${r}.`, audit: { action: 'user.role', target: name, detail: `role ${r}` } };
		}),
	resetPassword: (event) =>
		act(event, z.object({ name: userName }), async ({ name }, actor) => {
			const password = await resetPassword(name, { by: actor });
			return { message: `${name} was signed out everywhere. New one-time password, shown only now:`, secret: password, audit: { action: 'user.reset_password', target: name } };
		}),
	removeUser: (event) =>
		act(event, z.object({ name: userName }), async ({ name }, actor) => {
			await removeUser(name, actor);
			return { message: `Removed ${name}; their sessions have ended.`, audit: { action: 'user.remove', target: name } };
		}),
	createToken: (event) =>
		act(event, z.object({ name: z.string().min(1, 'name is required').max(64, 'name must have at most 64 characters'), scopes: scopesField }), async ({ name, scopes }, actor) => {
			const { id, token } = await createToken(name, scopes, actor);
			return { message: `Token ${id} created. Copy it now: it is shown only once and stored only as a digest.`, secret: token, audit: { action: 'token.create', target: `${name} (${id})`, detail: scopes.join(' ') } };
		}),
	revokeToken: (event) =>
		act(event, z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, 'id must be a 12-digit token id') }), async ({ id }) => {
			await revokeToken(id);
			return { message: `Token ${id} revoked.`, audit: { action: 'token.revoke', target: id } };
		})
};
