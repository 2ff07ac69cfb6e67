import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { audit } from '$lib/server/audit';
import { actorOf, clientIp } from '$lib/server/auth';
import { scope } from '$lib/server/auth/access';
import { createToken, listTokens, TokenError } from '$lib/server/auth/tokens';
import { jsonBody } from '$lib/server/http/api-write';
import type { RequestHandler } from './$types';

/** Admin sessions only (hooks.server.ts): tokens cannot mint tokens. */
function admin(locals: App.Locals): string {
	if (locals.auth.user?.role !== 'admin' || locals.auth.token) error(403, { message: 'Admins only.' });
	return actorOf(locals.auth);
}

/** GET /api/v1/tokens: every token with its scopes, creator, revocation and last use (never the secret). */
export const GET: RequestHandler = async ({ locals }) => {
	admin(locals);
	return json({ tokens: await listTokens() });
};

const createBody = z.object({
	name: z.string().min(1, 'is required').max(64, 'must have at most 64 characters'),
	scopes: z.array(scope).min(1, 'give at least one scope')
});

/** POST /api/v1/tokens {name, scopes}: the token is in this response only. */
export const POST: RequestHandler = async (event) => {
	const actor = admin(event.locals);
	if (!(event.request.headers.get('content-type') ?? '').startsWith('application/json')) error(415, { message: 'body: send application/json' });
	const parsed = createBody.safeParse(await jsonBody(event.request));
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		error(400, { message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
	}
	try {
		const { id, token } = await createToken(parsed.data.name, parsed.data.scopes, actor);
		await audit({ actor, action: 'token.create', target: `${parsed.data.name} (${id})`, detail: parsed.data.scopes.join(' '), ip: clientIp(event) });
		return json({ id, token, name: parsed.data.name, scopes: parsed.data.scopes }, { status: 201 });
	} catch (e) {
		if (e instanceof TokenError) error(400, { message: e.message });
		throw e;
	}
};
