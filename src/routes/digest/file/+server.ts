import { error } from '@sveltejs/kit';
import { buildDigest, DigestError } from '$lib/server/digest';
import type { RequestHandler } from './$types';

/** GET /digest/file?week=YYYY-Www: the digest as a downloadable self-contained HTML file. */
export const GET: RequestHandler = async ({ url }) => {
	const week = url.searchParams.get('week') ?? '';
	try {
		const d = await buildDigest(week);
		return new Response(d.html, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-disposition': `attachment; filename="loopmeter-digest-${d.week}.html"` } });
	} catch (e) {
		if (e instanceof DigestError) error(400, e.message.replace(/^--week /, 'week '));
		throw e;
	}
};
