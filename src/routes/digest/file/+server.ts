import { error } from '@sveltejs/kit';
import { runMetricForPages } from '$lib/server/pages/panel';
import { buildDigest, DigestError } from '$lib/server/digest';
import { htmlToPdf, NoChromiumError, PdfError } from '$lib/server/digest/pdf';
import type { RequestHandler } from './$types';

/**
 * GET /digest/file?week=YYYY-Www[&format=pdf]: the digest as a downloadable
 * self-contained HTML file, or that file printed to an A4 PDF by Chromium
 * (503 naming what to install when the server has no Chromium).
 */
export const GET: RequestHandler = async ({ url }) => {
	const week = url.searchParams.get('week') ?? '';
	const format = url.searchParams.get('format') ?? 'html';
	if (format !== 'html' && format !== 'pdf') error(400, 'format: must be html or pdf');
	try {
		// Its figures through the pages' cache: the digest asks about 40 metric questions, the same for every visitor until the data changes.
		const d = await buildDigest(week, runMetricForPages);
		const name = `loopmeter-digest-${d.week}`;
		if (format === 'html') return new Response(d.html, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-disposition': `attachment; filename="${name}.html"` } });
		const pdf = await htmlToPdf(d.html);
		return new Response(new Uint8Array(pdf), { headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}.pdf"` } });
	} catch (e) {
		if (e instanceof DigestError) error(400, e.message.replace(/^--week /, 'week '));
		if (e instanceof NoChromiumError) error(503, e.message);
		if (e instanceof PdfError) error(500, e.message);
		throw e;
	}
};
