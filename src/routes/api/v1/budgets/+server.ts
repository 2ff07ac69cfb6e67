import { error, json } from '@sveltejs/kit';
import { BudgetError, listBudgets, setBudget } from '$lib/server/finance/budgets';
import { authorOf } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import { toCsv } from '$lib/csv';
import type { RequestHandler } from './$types';

const day = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/v1/budgets[?from=&to=][&format=csv]: each budget line as it stands (latest set wins), with who set it and when. Finance and admins. */
export const GET: RequestHandler = async ({ url }) => {
	const from = url.searchParams.get('from') ?? undefined;
	const to = url.searchParams.get('to') ?? undefined;
	for (const [k, v] of [['from', from], ['to', to]] as const) if (v !== undefined && !day.test(v)) error(400, `${k}: must be a date like 2026-10-01`);
	const list = await listBudgets({ from, to });
	if (url.searchParams.get('format') === 'csv') {
		return new Response(toCsv(list, ['month', 'line', 'scope', 'amount_usd', 'set_by', 'ingest_run_id', 'set_at']), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="budgets.csv"' }
		});
	}
	return json({ budgets: list });
};

/** POST /api/v1/budgets {month, line, scope?, amount_usd}: sets one budget line (admins only; audited). */
export const POST: RequestHandler = async (event) => {
	let body: unknown;
	try {
		body = await event.request.json();
	} catch {
		error(400, 'body: not valid JSON');
	}
	try {
		const b = await setBudget(body as Parameters<typeof setBudget>[0], authorOf(event.locals), { ip: clientIp(event) });
		return json(b, { status: 201 });
	} catch (e) {
		if (e instanceof BudgetError) error(400, e.message);
		throw e;
	}
};
