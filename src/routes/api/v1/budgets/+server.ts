import { json } from '@sveltejs/kit';
import { BudgetError, listBudgets, setBudget } from '$lib/server/finance/budgets';
import { authorOf } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import { budget } from '$lib/contracts/budgets';
import { csvResponse } from '$lib/server/http/csv-response';
import { createdFromJson, dayRangeParams } from '$lib/server/http/api-write';
import type { RequestHandler } from './$types';

/** GET /api/v1/budgets[?from=&to=][&format=csv]: each budget line as it stands (latest set wins), with who set it and when. Finance and admins. */
export const GET: RequestHandler = async ({ url }) => {
	const list = await listBudgets(dayRangeParams(url));
	if (url.searchParams.get('format') === 'csv') {
		return csvResponse({ filename: 'budgets.csv', fields: budget.keyof().options, rows: list });
	}
	return json({ budgets: list });
};

/** POST /api/v1/budgets {month, line, scope?, amount_usd}: sets one budget line (admins only; audited). */
export const POST: RequestHandler = async (event) =>
	createdFromJson(event.request, (body) => setBudget(body as Parameters<typeof setBudget>[0], authorOf(event.locals), { ip: clientIp(event) }), BudgetError);
