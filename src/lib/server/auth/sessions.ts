import { command, query } from '../warehouse/index.js';
import type { Role } from './access.js';
import { registerCache, TtlCache } from './cache.js';
import { chTime, fromChTime, nextVersion } from './clock.js';
import { randomSecret, sha256 } from './secrets.js';

export interface SessionUser {
	name: string;
	role: Role;
	mustChangePassword: boolean;
	expiresAt: number;
}

const cache = registerCache(new TtlCache<SessionUser | null>());

/** Starts a session; the returned value goes in the cookie, only its digest is stored. */
export async function createSession(user: string, hours: number, ip: string): Promise<{ id: string; expires: Date }> {
	const id = randomSecret();
	const now = new Date();
	const expires = new Date(now.getTime() + hours * 3600_000);
	await command(
		`INSERT INTO auth_sessions (session_hash, user_name, created_at, expires_at, ip, revoked, version)
SELECT {hash:String}, {user:String}, {created:DateTime64(3)}, {expires:DateTime64(3)}, {ip:String}, false, {version:UInt64}`,
		{
			tag: 'auth:create-session',
			params: { hash: sha256(id), user, created: chTime(now), expires: chTime(expires), ip, version: nextVersion() }
		}
	);
	return { id, expires };
}

/**
 * The person behind a session cookie, or undefined. A session is void once
 * revoked, expired, or older than its user's last password reset / removal.
 */
export async function sessionUser(id: string): Promise<SessionUser | undefined> {
	const hash = sha256(id);
	const hit = cache.get(hash);
	if (hit !== undefined) return hit && hit.expiresAt > Date.now() ? hit : undefined;
	let rows: { name: string; role: Role; must: boolean; expires_at: string }[];
	try {
		rows = await query(
			`SELECT s.user_name AS name, u.role AS role, u.must_change_password AS must, s.expires_at AS expires_at
FROM (SELECT * FROM auth_sessions FINAL WHERE session_hash = {hash:String}) AS s
INNER JOIN (SELECT * FROM (SELECT * FROM auth_users FINAL) WHERE NOT removed) AS u ON u.name = s.user_name
WHERE NOT s.revoked AND s.expires_at > now64(3) AND s.created_at >= u.sessions_valid_after`,
			{ tag: 'auth:session', params: { hash } }
		);
	} catch (e) {
		// Warehouse down: someone already signed in keeps working from memory.
		const stale = cache.stale(hash);
		if (stale && stale.expiresAt > Date.now()) return stale;
		throw e;
	}
	const r = rows[0];
	const user = r ? { name: r.name, role: r.role, mustChangePassword: Boolean(r.must), expiresAt: fromChTime(r.expires_at).getTime() } : null;
	cache.set(hash, user);
	return user ?? undefined;
}

export async function revokeSession(id: string): Promise<void> {
	const hash = sha256(id);
	cache.delete(hash);
	await command(
		`INSERT INTO auth_sessions (session_hash, user_name, created_at, expires_at, ip, revoked, version)
SELECT session_hash, user_name, created_at, expires_at, ip, true, {version:UInt64}
FROM auth_sessions FINAL WHERE session_hash = {hash:String}`,
		{ tag: 'auth:revoke-session', params: { hash, version: nextVersion() } }
	);
}
