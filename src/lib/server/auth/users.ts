import { z } from 'zod';
import { role, type Role } from './access.js';
import { chTime, fromChTime, nextVersion } from './clock.js';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
import { freshSnapshot, lookup, writeAuthRow } from './mirror.js';

export const userName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'name must be 1–64 letters, digits, . _ @ or - (starting with a letter or digit)');

export const newPassword = z
	.string()
	.min(MIN_PASSWORD_LENGTH, `password must have at least ${MIN_PASSWORD_LENGTH} characters`)
	.max(1024, 'password must have at most 1024 characters');

export interface User {
	name: string;
	role: Role;
	password_hash: string;
	must_change_password: boolean;
	sessions_valid_after: string;
}

export class UserError extends Error {}

/** The live account named `name`. Answered from memory (auth/mirror.ts): sign-in never waits behind a panel. */
export async function findUser(name: string): Promise<User | undefined> {
	return lookup((s) => s.users.get(name));
}

/** Live accounts, read fresh (the admin page and the last-admin check must not act on a copy seconds old). */
export async function listUsers(): Promise<Omit<User, 'password_hash'>[]> {
	const users = [...(await freshSnapshot()).users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	return users.map(({ password_hash: _, ...u }) => u);
}

/** Live accounts; at `loopmeter serve` start this also loads the in-memory copy sign-in reads. */
export async function countUsers(): Promise<number> {
	return (await freshSnapshot()).users.size;
}

async function writeUser(u: {
	name: string;
	role: Role;
	password_hash: string;
	must_change_password: boolean;
	sessions_valid_after: Date;
	removed: boolean;
	updated_by: string;
}): Promise<void> {
	const row = {
		name: u.name,
		role: u.role,
		password_hash: u.password_hash,
		must_change_password: u.must_change_password,
		sessions_valid_after: chTime(u.sessions_valid_after)
	};
	await writeAuthRow('auth_users', { ...row, removed: u.removed, updated_by: u.updated_by, version: Number(nextVersion()) }, 'auth:write-user', {
		kind: 'user',
		name: u.name,
		row: u.removed ? undefined : row
	});
}

/** Creates an account; returns the password (generated unless given). */
export async function addUser(
	name: string,
	r: Role,
	opts: { password?: string; mustChange?: boolean; by: string }
): Promise<string> {
	userName.parse(name);
	role.parse(r);
	if (await findUser(name)) throw new UserError(`user ${name} already exists`);
	const { password, fields } = await passwordSet(opts);
	await writeUser({ name, role: r, ...fields });
	return password;
}

/**
 * A password (generated unless given, checked either way) and the account
 * fields that set it: hashed, to be changed at next sign-in when generated, and
 * every session made before now ends. Creating and resetting share it.
 */
async function passwordSet(opts: { password?: string; mustChange?: boolean; by: string }) {
	const password = opts.password ?? generatePassword();
	newPassword.parse(password);
	const fields = {
		password_hash: await hashPassword(password),
		must_change_password: opts.mustChange ?? opts.password === undefined,
		sessions_valid_after: new Date(),
		removed: false,
		updated_by: opts.by
	};
	return { password, fields };
}

async function existing(name: string): Promise<User> {
	const u = await findUser(name);
	if (!u) throw new UserError(`no user named ${name}`);
	return u;
}

/** Sets a new password and signs the user out everywhere. Returns the password (generated unless given). */
export async function resetPassword(name: string, opts: { password?: string; mustChange?: boolean; by: string }): Promise<string> {
	const u = await existing(name);
	const { password, fields } = await passwordSet(opts);
	await writeUser({ ...u, ...fields });
	return password;
}

/** "Sign out everywhere": every session of `name` made before now stops working (the account stays). */
export async function endAllSessions(name: string, by: string): Promise<void> {
	const u = await existing(name);
	await writeUser({ ...u, sessions_valid_after: new Date(), removed: false, updated_by: by });
}

export async function setRole(name: string, r: Role, by: string): Promise<void> {
	role.parse(r);
	const u = await existing(name);
	// Roles are read from this row on every request: no need to end sessions.
	await writeUser({ ...u, role: r, sessions_valid_after: fromChTime(u.sessions_valid_after), removed: false, updated_by: by });
}

/** Removes an account (a newer "removed" row) and ends its sessions. Refuses to remove the last admin. */
export async function removeUser(name: string, by: string): Promise<void> {
	const u = await existing(name);
	if (u.role === 'admin') {
		const admins = (await listUsers()).filter((x) => x.role === 'admin');
		if (admins.length <= 1) throw new UserError(`${name} is the last admin; add another admin first`);
	}
	await writeUser({ ...u, password_hash: '', must_change_password: false, sessions_valid_after: new Date(), removed: true, updated_by: by });
}
