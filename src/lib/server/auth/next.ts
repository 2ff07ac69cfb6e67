/**
 * Where to go after signing in: a path on this site, or `/`. `next` comes from
 * the URL, so it is attacker-chosen: it is resolved with URL against a
 * placeholder origin exactly as a browser would, and kept only when it stays
 * on that origin. Control characters and backslashes are refused before that,
 * because browsers drop tabs and newlines and read `\` as `/`, which turns
 * `/\t/evil.example` or `/\evil.example` into another site. Never throws, so
 * a bad `next` is never a 500.
 */
const BASE = new URL('http://loopmeter.invalid');

export function safeNext(next: string | null | undefined): string {
	if (!next || next.length > 2000) return '/';
	if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
	if (!next.startsWith('/') || next.startsWith('//')) return '/';
	let url: URL;
	try {
		url = new URL(next, BASE);
	} catch {
		return '/';
	}
	if (url.origin !== BASE.origin) return '/';
	const path = `${url.pathname}${url.search}${url.hash}`;
	// Back to the sign-in pages would loop.
	if (path.startsWith('//') || url.pathname.startsWith('/login')) return '/';
	return path;
}
