import { audit } from '../audit/index.js';
import { addUser, countUsers } from './users.js';

/**
 * On first start there is no account: create `admin` with a random one-time
 * password (to be changed at first sign-in) and return it for the console.
 * Returns undefined when any account exists.
 */
export async function ensureFirstAdmin(): Promise<string | undefined> {
	if ((await countUsers()) > 0) return undefined;
	const password = await addUser('admin', 'admin', { mustChange: true, by: 'first start' });
	await audit({ actor: 'system', action: 'user.add', target: 'admin', detail: 'first start: admin created with a one-time password' });
	return password;
}
