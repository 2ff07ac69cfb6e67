import { command, query } from '../warehouse/index.js';
import { scope as scopeSchema, type Scope } from './access.js';
import { invalidateAuthCaches, registerCache, TtlCache } from './cache.js';
import { chTime, nextVersion } from './clock.js';
import { newApiToken, sha256, TOKEN_PREFIX } from './secrets.js';

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

const cache = registerCache(new TtlCache<{ id: string; name: string; scopes: string[] } | null>());

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
	await command(
		`INSERT INTO auth_tokens (token_id, token_hash, name, scopes, created_by, created_at, revoked_at, version)
SELECT {id:String}, {hash:String}, {name:String}, {scopes:Array(String)}, {by:String}, now64(3), NULL, {version:UInt64}`,
		{ tag: 'auth:create-token', params: { id, hash, name, scopes: [...new Set(parsed)], by, version: nextVersion() } }
	);
	return { id, token };
}

export async function listTokens(): Promise<ApiToken[]> {
	return query<ApiToken>(
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
	const live = (await listTokens()).filter((t) => t.revoked_at === null);
	const matches = live.filter((t) => t.id === idOrName || t.name === idOrName);
	if (matches.length === 0) throw new TokenError(`no live token with id or name ${idOrName}`);
	if (matches.length > 1) throw new TokenError(`several tokens are named ${idOrName}; revoke by id (${matches.map((t) => t.id).join(', ')})`);
	const id = matches[0]!.id;
	await command(
		`INSERT INTO auth_tokens (token_id, token_hash, name, scopes, created_by, created_at, revoked_at, version)
SELECT token_id, token_hash, name, scopes, created_by, created_at, now64(3), {version:UInt64}
FROM auth_tokens FINAL WHERE token_id = {id:String}`,
		{ tag: 'auth:revoke-token', params: { id, version: nextVersion() } }
	);
	invalidateAuthCaches();
	return id;
}

const lastTouched = new Map<string, number>();

/** The live token a bearer value names, or undefined. Records its use (at most once a minute). */
export async function verifyToken(value: string, ip: string): Promise<{ id: string; name: string; scopes: string[] } | undefined> {
	if (!value.startsWith(TOKEN_PREFIX) || value.length > 200) return undefined;
	const hash = sha256(value);
	let hit = cache.get(hash);
	if (hit === undefined) {
		const rows = await query<{ id: string; name: string; scopes: string[] }>(
			`SELECT token_id AS id, name, scopes FROM (SELECT * FROM auth_tokens FINAL WHERE token_id = {id:String})
WHERE token_hash = {hash:String} AND revoked_at IS NULL`,
			{ tag: 'auth:token', params: { id: hash.slice(0, 12), hash } }
		);
		hit = rows[0] ?? null;
		cache.set(hash, hit);
	}
	if (!hit) return undefined;
	const now = Date.now();
	if (now - (lastTouched.get(hit.id) ?? 0) > 60_000) {
		lastTouched.set(hit.id, now);
		await command(
			`INSERT INTO auth_token_usage (token_id, last_used_at, last_ip) SELECT {id:String}, {at:DateTime64(3)}, {ip:String}`,
			{ tag: 'auth:touch-token', params: { id: hit.id, at: chTime(new Date(now)), ip } }
		);
	}
	return hit;
}
