import { error } from '@sveltejs/kit';
import { auditActions, auditFilter } from '$lib/server/audit';
import { cachedAuditLog } from '$lib/server/audit/log-cache';
import { adminActor } from '../guard';
import type { PageServerLoad } from './$types';

/**
 * The audit log with filters from the URL (?action=&actor=&limit=); CSV at ./csv with the same filters.
 * Answered from memory while the log is unchanged; a new entry shows on the next visit (audit/log-cache.ts).
 */
export const load: PageServerLoad = async (event) => {
	adminActor(event);
	const parsed = auditFilter.safeParse(Object.fromEntries([...event.url.searchParams].filter(([, v]) => v !== '')));
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		error(400, { message: `${String(issue.path[0] ?? 'query')}: ${issue.message}` });
	}
	return { rows: await cachedAuditLog(parsed.data), filter: parsed.data, actions: auditActions };
};
