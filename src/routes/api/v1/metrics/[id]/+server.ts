import { error, json } from '@sveltejs/kit';
import { requestFromSearchParams } from '$lib/contracts/metrics';
import { runMetric, MetricRequestError } from '$lib/server/metrics/run';
import { csvResponse } from '$lib/server/http/csv-response';
import { boundPeriod } from '$lib/server/pages/period-span';
import type { RequestHandler } from './$types';

/** GET /api/v1/metrics/<id>?from&to&grain&by&<dimension>=a,b[&format=csv] */
export const GET: RequestHandler = async ({ params, url, request }) => {
	try {
		const input = await boundPeriod(requestFromSearchParams(params.id, url.searchParams));
		const { response } = await runMetric(input, { signal: request.signal });
		if (url.searchParams.get('format') === 'csv') {
			return csvResponse({
				filename: `${response.metric}_${response.from}_${response.to}.csv`,
				fields: [...new Set(response.rows.flatMap((r) => Object.keys(r)))],
				rows: response.rows
			});
		}
		return json(response);
	} catch (e) {
		if (e instanceof MetricRequestError) error(400, e.message);
		throw e;
	}
};
