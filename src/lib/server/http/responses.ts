/**
 * Responses hooks.server.ts sends itself, before any route runs: small, with
 * no script, and never carrying anything but the message.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function wantsJson(request: Request, path: string): boolean {
	return path.startsWith('/api/') || (request.headers.get('accept') ?? '').includes('application/json');
}

export function jsonResponse(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function htmlResponse(status: number, title: string, message: string, links: { href: string; label: string }[] = [], headers: Record<string, string> = {}): Response {
	const nav = links.map((l) => `<a href="${esc(l.href)}">${esc(l.label)}</a>`).join(' · ');
	const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · Loopmeter</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2430;background:#f6f7f9}main{max-width:40rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}.banner{padding:.75rem 1rem;background:#fff4d6;border:1px solid #e8c46a;border-radius:6px}@media (prefers-color-scheme:dark){body{background:#14161b;color:#e6e8ee}main{background:#1d2027}.banner{background:#3a3116;border-color:#7a6424}}a{color:#3d6fd8}</style>
</head><body><main><h1>${esc(title)}</h1><p class="banner" role="alert">${esc(message)}</p><p>${nav}</p></main></body></html>`;
	return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });
}
