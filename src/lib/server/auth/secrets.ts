import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex: how session ids and API tokens are stored (never the values themselves). */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A 32-byte random secret, base64url. */
export const randomSecret = () => randomBytes(32).toString('base64url');

export const TOKEN_PREFIX = 'lm_';

/** API token: `lm_` + 32 random bytes. Its public id is the start of its digest. */
export function newApiToken(): { token: string; hash: string; id: string } {
	const token = TOKEN_PREFIX + randomSecret();
	const hash = sha256(token);
	return { token, hash, id: hash.slice(0, 12) };
}
