import { fail } from '@sveltejs/kit';
import { changeMonthClose, listMonthCloses, MonthCloseError } from '$lib/server/finance-history';
import { monthCloseActions, type MonthCloseInput } from '$lib/contracts/finance-history';
import { clientIp } from '$lib/server/auth';
import { adminActor } from '../guard';
import type { Actions, PageServerLoad } from './$types';

/** Closed months (admin): close or reopen a month; every change is audited (changeMonthClose). */
export const load: PageServerLoad = async (event) => {
	adminActor(event);
	return { months: await listMonthCloses() };
};

const field = (fd: FormData, name: string) => {
	const v = fd.get(name);
	return typeof v === 'string' ? v : undefined;
};

export const actions: Actions = {
	change: async (event) => {
		const actor = adminActor(event);
		const fd = await event.request.formData();
		const action = field(fd, 'action');
		const input: MonthCloseInput = {
			month: field(fd, 'month') ?? '',
			action: (monthCloseActions as readonly string[]).includes(action ?? '') ? (action as MonthCloseInput['action']) : undefined,
			note: field(fd, 'note')
		};
		try {
			const m = await changeMonthClose(input, actor, { ip: clientIp(event) });
			return { message: `${m.month.slice(0, 7)} ${m.closed ? 'closed: its figures are kept as reported now' : 'reopened'} (as of ${m.as_of}).` };
		} catch (e) {
			if (e instanceof MonthCloseError) return fail(400, { error: e.message });
			throw e;
		}
	}
};
