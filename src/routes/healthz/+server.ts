import { json } from '@sveltejs/kit';
import { pingWarehouse } from '$lib/server/http/control-lane';
import { classifyFault, noteFault, noteHealthy } from '$lib/server/http/faults';
import type { RequestHandler } from './$types';

/** Liveness for load balancers and people: 200 when the warehouse answers, 503 otherwise. Public; says nothing secret. */
export const GET: RequestHandler = async () => {
	try {
		await pingWarehouse('healthz');
		noteHealthy();
		return json({ status: 'ok', warehouse: 'ok' });
	} catch (e) {
		const fault = classifyFault(e) ?? { code: 'warehouse_unavailable' as const, message: 'The warehouse does not answer.' };
		noteFault(fault);
		return json({ status: 'degraded', warehouse: fault.code }, { status: 503, headers: { 'retry-after': '5' } });
	}
};
