import type { Role } from './access.js';
import { chTime, fromChTime, nextVersion } from './clock.js';
import { lookup, writeAuthRow, type SessionRow, type Snapshot } from './mirror.js';
import { randomSecret, sha256 } from './secrets.js';

export interface SessionUser {
	name: string;
	role: Role;
	mustChangePassword: boolean;
	expiresAt: number;
}

/** Starts a session; the returned value goes in the cookie, only its digest is stored. */
export async function createSession(user: string, hours: number, ip: string): Promise<{ id: string; expires: Date }> {
	const id = randomSecret();
	const now = new Date();
	const expires = new Date(now.getTime() + hours * 3600_000);
	const row: SessionRow = { session_hash: sha256(id), user_name: user, created_at: chTime(now), expires_at: chTime(expires), ip };
	await writeAuthRow('auth_sessions', { ...row, revoked: false, version: Number(nextVersion()) }, 'auth:create-session', {
		kind: 'session',
		hash: row.session_hash,
		row
	});
	return { id, expires };
}

/**
 * The person behind a session (by its digest) in the auth copy, or undefined.
 * A session is void once revoked, expired, or older than its user's last
 * password reset / removal.
 */
function liveSession(s: Snapshot, hash: string, now = Date.now()): SessionUser | undefined {
	const session = s.sessions.get(hash);
	const user = session && s.users.get(session.user_name);
	if (!session || !user) return undefined;
	const expiresAt = fromChTime(session.expires_at).getTime();
	if (expiresAt <= now || fromChTime(session.created_at) < fromChTime(user.sessions_valid_after)) return undefined;
	return { name: user.name, role: user.role, mustChangePassword: user.must_change_password, expiresAt };
}

/** The person behind a session cookie, or undefined. Answered from memory (auth/mirror.ts): never waits behind a panel. */
export async function sessionUser(id: string): Promise<SessionUser | undefined> {
	const hash = sha256(id);
	return lookup((s) => liveSession(s, hash));
}

export async function revokeSession(id: string): Promise<void> {
	const hash = sha256(id);
	// A session the copy does not hold is already revoked, expired or unknown: nothing to write.
	const row = await lookup((s) => s.sessions.get(hash));
	if (!row) return;
	await writeAuthRow('auth_sessions', { ...row, revoked: true, version: Number(nextVersion()) }, 'auth:revoke-session', { kind: 'session', hash });
}
