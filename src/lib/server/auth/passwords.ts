import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes: scrypt with a random 16-byte salt, parameters stored with
 * the hash (`scrypt$N$r$p$salt$hash`) so they can be raised later without
 * invalidating existing accounts. N = 2^15 costs ~32 MiB and ~0.1 s per check.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
	return new Promise((resolve, reject) =>
		// maxmem above 128·N·r, which Node's 32 MiB default is just below.
		scryptCb(password.normalize('NFKC'), salt, KEY_BYTES, { ...opts, maxmem: 256 * (opts.N ?? N) * (opts.r ?? R) }, (err, key) =>
			err ? reject(err) : resolve(key)
		)
	);
}

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await scrypt(password, salt, { N, r: R, p: P });
	return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

// A valid hash of an unguessable password: checking an unknown user costs the
// same time as checking a real one, so timing does not reveal which names exist.
let dummy: Promise<string> | undefined;

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
	const parts = (stored || (await (dummy ??= hashPassword(randomBytes(32).toString('hex'))))).split('$');
	if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
	const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
	const expected = Buffer.from(hash, 'base64url');
	const key = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
	return stored !== undefined && stored !== '' && key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random password people can type: 20 characters from an unambiguous alphabet (~110 bits). */
export function generatePassword(): string {
	const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
	const bytes = randomBytes(20);
	return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}
