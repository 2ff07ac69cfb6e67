import { error, json } from '@sveltejs/kit';
import { audit } from '$lib/server/audit';
import { actorOf, clientIp } from '$lib/server/auth';
import { revokeToken, TokenError } from '$lib/server/auth/tokens';
import type { RequestHandler } from './$types';

/** DELETE /api/v1/tokens/<id>: revokes at once (admin session only). */
export const DELETE: RequestHandler = async (event) => {
	const { locals, params } = event;
	if (locals.auth.user?.role !== 'admin' || locals.auth.token) error(403, { message: 'Admins only.' });
	if (!/^[0-9a-f]{12}$/.test(params.id)) error(400, { message: 'id: must be a 12-digit token id' });
	try {
		const id = await revokeToken(params.id);
		await audit({ actor: actorOf(locals.auth), action: 'token.revoke', target: id, ip: clientIp(event) });
		return json({ id, revoked: true });
	} catch (e) {
		if (e instanceof TokenError) error(404, { message: e.message });
		throw e;
	}
};
