import { fail } from '@sveltejs/kit';
import { budgetLines } from '$lib/contracts/budgets';
import { clientIp } from '$lib/server/auth';
import { BudgetError, listBudgets, setBudget } from '$lib/server/finance/budgets';
import { adminActor } from '../guard';
import type { Actions, PageServerLoad } from './$types';

/**
 * Budgets (admins): every budget line as it stands — loaded from a budgets
 * file or set here, the latest set winning — with who set it and when, and a
 * form to set or change one month's line (audited). ?month=YYYY-MM-01 pre-fills it.
 */
export const load: PageServerLoad = async (event) => {
	adminActor(event);
	const month = event.url.searchParams.get('month') ?? '';
	return { budgets: await listBudgets(), lines: budgetLines, month: /^\d{4}-\d{2}-01$/.test(month) ? month : '' };
};

export const actions: Actions = {
	set: async (event) => {
		const actor = adminActor(event);
		const fd = await event.request.formData();
		const field = (k: string) => String(fd.get(k) ?? '');
		try {
			const b = await setBudget(
				{ month: field('month'), line: field('line') as (typeof budgetLines)[number], scope: field('scope'), amount_usd: field('amount_usd') === '' ? Number.NaN : Number(field('amount_usd')) },
				actor,
				{ ip: clientIp(event) }
			);
			return { message: `Set ${b.month} ${b.line}${b.scope ? ` ${b.scope}` : ''} to ${b.amount_usd} USD.` };
		} catch (e) {
			if (e instanceof BudgetError) return fail(400, { error: e.message });
			throw e;
		}
	}
};
