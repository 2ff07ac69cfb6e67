import { error, json } from '@sveltejs/kit';
import { evaluateAlerts } from '$lib/server/alerts/evaluate';
import { AlertConfigError, loadAlertConfig, saveAlertConfig } from '$lib/server/alerts/config-file';
import { alertsVisibleTo } from '$lib/server/alerts/visible';
import { csvResponse } from '$lib/server/http/csv-response';
import { jsonBody } from '$lib/server/http/api-write';
import type { RequestHandler } from './$types';

/**
 * GET /api/v1/alerts[?active=1][&format=csv]: breaches of the alert rules
 * (config/alerts.json), evaluated day by day up to the last day with data.
 * PUT /api/v1/alerts (admin): replaces the rules with the JSON body, validated.
 */
export const GET: RequestHandler = async ({ url, request, locals }) => {
	let result;
	try {
		result = alertsVisibleTo(locals.auth, await evaluateAlerts({ signal: request.signal }));
	} catch (e) {
		if (e instanceof AlertConfigError) error(500, e.message);
		throw e;
	}
	const activeOnly = url.searchParams.get('active') === '1';
	const breaches = activeOnly ? result.breaches.filter((b) => b.active) : result.breaches;
	if (url.searchParams.get('format') === 'csv') {
		const rows = breaches.map(({ group, ...b }) => ({ ...b, group: Object.entries(group).map(([k, v]) => `${k}=${v}`).join(';') }));
		return csvResponse({ filename: `alerts_${result.through ?? 'empty'}.csv`, fields: [...new Set(rows.flatMap((r) => Object.keys(r)))], rows });
	}
	return json({ ...result, breaches });
};

export const PUT: RequestHandler = async ({ request }) => {
	const body = await jsonBody(request);
	try {
		saveAlertConfig(body);
	} catch (e) {
		if (e instanceof AlertConfigError) error(400, e.message.replace(/^[^:]*alerts\.json: /, ''));
		throw e;
	}
	return json({ ok: true, rules: loadAlertConfig().rules });
};
