import { scope as scopeSchema, type Scope } from './access.js';
import { chTime, nextVersion } from './clock.js';
import { freshSnapshot, lookup, writeAuthRow, type TokenRow } from './mirror.js';
import { newApiToken, sha256, TOKEN_PREFIX } from './secrets.js';
import { controlLane } from '../http/control-lane.js';

export interface ApiToken {
	id: string;
	name: string;
	scopes: string[];
	created_by: string;
	created_at: string;
	revoked_at: string | null;
	last_used_at: string | null;
	last_ip: string | null;
}

export class TokenError extends Error {}

/** Creates a token; the value is returned once and only its digest is kept. */
export async function createToken(name: string, scopes: string[], by: string): Promise<{ id: string; token: string }> {
	if (!/^[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,63}$/.test(name)) throw new TokenError('token name must be 1–64 letters, digits, spaces or . _ : @ -');
	if (!scopes.length) throw new TokenError('give at least one scope');
	const parsed: Scope[] = [];
	for (const s of scopes) {
		const r = scopeSchema.safeParse(s);
		if (!r.success) throw new TokenError(`scope ${s}: ${r.error.issues[0]!.message}`);
		parsed.push(r.data);
	}
	const { token, hash, id } = newApiToken();
	const row: TokenRow = { token_id: id, token_hash: hash, name, scopes: [...new Set(parsed)], created_by: by, created_at: chTime(new Date()) };
	await writeAuthRow('auth_tokens', { ...row, revoked_at: null, version: Number(nextVersion()) }, 'auth:create-token', { kind: 'token', hash, row });
	return { id, token };
}

export async function listTokens(): Promise<ApiToken[]> {
	return (await controlLane()).query<ApiToken>(
		`SELECT t.token_id AS id, t.name AS name, t.scopes AS scopes, t.created_by AS created_by, t.created_at AS created_at,
	t.revoked_at AS revoked_at, if(u.token_id = '', NULL, u.used_at) AS last_used_at, if(u.token_id = '', NULL, u.used_ip) AS last_ip
FROM (SELECT * FROM auth_tokens FINAL) AS t
LEFT JOIN (SELECT token_id, max(last_used_at) AS used_at, argMax(last_ip, last_used_at) AS used_ip FROM auth_token_usage GROUP BY token_id) AS u
	ON u.token_id = t.token_id
ORDER BY t.created_at DESC`,
		{ tag: 'auth:list-tokens' }
	);
}

/** Revokes by id or by name (a name shared by several live tokens is refused). Returns the id. */
export async function revokeToken(idOrName: string): Promise<string> {
	// Read fresh: a token made a moment ago by another process must be found, and revoked once.
	const live = [...(await freshSnapshot()).tokens.values()];
	const matches = live.filter((t) => t.token_id === idOrName || t.name === idOrName);
	if (matches.length === 0) throw new TokenError(`no live token with id or name ${idOrName}`);
	if (matches.length > 1) throw new TokenError(`several tokens are named ${idOrName}; revoke by id (${matches.map((t) => t.token_id).join(', ')})`);
	const row = matches[0]!;
	await writeAuthRow('auth_tokens', { ...row, revoked_at: chTime(new Date()), version: Number(nextVersion()) }, 'auth:revoke-token', {
		kind: 'token',
		hash: row.token_hash
	});
	return row.token_id;
}

const lastTouched = new Map<string, number>();

/**
 * The live token a bearer value names, or undefined. Answered from memory
 * (auth/mirror.ts); its use is recorded at most once a minute, on the control lane.
 */
export async function verifyToken(value: string, ip: string): Promise<{ id: string; name: string; scopes: string[] } | undefined> {
	if (!value.startsWith(TOKEN_PREFIX) || value.length > 200) return undefined;
	const hash = sha256(value);
	const row = await lookup((s) => s.tokens.get(hash));
	if (!row) return undefined;
	const now = Date.now();
	if (now - (lastTouched.get(row.token_id) ?? 0) > 60_000) {
		lastTouched.set(row.token_id, now);
		await writeAuthRow('auth_token_usage', { token_id: row.token_id, last_used_at: chTime(new Date(now)), last_ip: ip }, 'auth:touch-token');
	}
	return { id: row.token_id, name: row.name, scopes: row.scopes };
}
