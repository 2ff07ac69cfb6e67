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
