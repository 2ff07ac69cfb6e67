import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';

const wh = useTempWarehouse('loopmeter-auth-mirror-');

import { command } from '../../src/lib/server/warehouse/index.js';
import { REFRESH_MS } from '../../src/lib/server/auth/mirror.js';
import { createSession, revokeSession, sessionUser } from '../../src/lib/server/auth/sessions.js';
import { createToken, revokeToken, verifyToken } from '../../src/lib/server/auth/tokens.js';
import { addUser, endAllSessions, findUser } from '../../src/lib/server/auth/users.js';
import { chTime, nextVersion } from '../../src/lib/server/auth/clock.js';

beforeAll(async () => {
	await wh.open();
});

/** Polls until `check` holds, for at most two refresh intervals; returns how long it took. */
async function within(check: () => Promise<boolean>): Promise<number> {
	const started = performance.now();
	while (!(await check())) {
		if (performance.now() - started > 2 * REFRESH_MS + 2_000) throw new Error(`not seen within ${2 * REFRESH_MS + 2_000} ms`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return performance.now() - started;
}

describe('the in-memory copy of the auth tables', () => {
	it('sees every write of this process at once: sessions, tokens, revocations, sign out everywhere', async () => {
		await addUser('mira', 'finance', { password: 'mira-password-123', by: 'test' });
		expect((await findUser('mira'))?.role).toBe('finance');

		const a = await createSession('mira', 12, '127.0.0.1');
		const b = await createSession('mira', 12, '127.0.0.1');
		expect(await sessionUser(a.id)).toMatchObject({ name: 'mira', role: 'finance', mustChangePassword: false });
		await revokeSession(a.id);
		expect(await sessionUser(a.id)).toBeUndefined();
		expect((await sessionUser(b.id))?.name).toBe('mira');
		// Sessions made in the same millisecond as the cut-off would survive it.
		await new Promise((r) => setTimeout(r, 5));
		await endAllSessions('mira', 'test');
		expect(await sessionUser(b.id)).toBeUndefined();

		const { token } = await createToken('mirror-token', ['metrics:read'], 'test');
		expect((await verifyToken(token, '127.0.0.1'))?.name).toBe('mirror-token');
		await revokeToken('mirror-token');
		expect(await verifyToken(token, '127.0.0.1')).toBeUndefined();
	});

	it('sees changes made by another process within the refresh interval', async () => {
		const { token, id } = await createToken('revoked-elsewhere', ['metrics:read'], 'test');
		expect((await verifyToken(token, '127.0.0.1'))?.name).toBe('revoked-elsewhere');
		// Another process (the CLI against a server) revokes it and adds an account, straight in the tables.
		await command(
			`INSERT INTO auth_tokens (token_id, token_hash, name, scopes, created_by, created_at, revoked_at, version)
SELECT token_id, token_hash, name, scopes, created_by, created_at, now64(3), {version:UInt64} FROM auth_tokens FINAL WHERE token_id = {id:String}`,
			{ tag: 'test', params: { id, version: nextVersion() } }
		);
		await command(
			`INSERT INTO auth_users (name, role, password_hash, must_change_password, sessions_valid_after, removed, updated_by, version)
SELECT 'elsewhere', 'exec', 'x', false, {at:DateTime64(3)}, false, 'test', {version:UInt64}`,
			{ tag: 'test', params: { at: chTime(new Date()), version: nextVersion() } }
		);
		await within(async () => (await verifyToken(token, '127.0.0.1')) === undefined);
		await within(async () => (await findUser('elsewhere'))?.role === 'exec');
	});
});
