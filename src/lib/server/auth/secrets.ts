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

/**
 * Masks secrets in text that may reach a log or a response: API tokens, Stripe
 * keys and webhook secrets, passwords inside URLs, bearer headers.
 */
export function redact(text: string): string {
	return text
		.replace(/\blm_[A-Za-z0-9_-]{8,}/g, 'lm_[redacted]')
		.replace(/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]+/g, '$1_$2_[redacted]')
		.replace(/\bwhsec_[A-Za-z0-9]+/g, 'whsec_[redacted]')
		.replace(/(\/\/[^/\s:@]+):[^@\s/]+@/g, '$1:[redacted]@')
		.replace(/(bearer\s+)[^\s"']+/gi, '$1[redacted]')
		.replace(/(password["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, '$1[redacted]');
}
