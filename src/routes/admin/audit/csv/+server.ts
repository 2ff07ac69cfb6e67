import { error } from '@sveltejs/kit';
import { auditFilter, listAudit } from '$lib/server/audit';
import { csvResponse } from '$lib/server/http/csv-response';
import { adminActor } from '../../guard';
import type { RequestHandler } from './$types';

/** GET /admin/audit/csv?action=&actor=&limit= — the audit log as CSV (itself audited as an export by the hooks). */
export const GET: RequestHandler = async (event) => {
	adminActor(event);
	const parsed = auditFilter.safeParse(Object.fromEntries([...event.url.searchParams].filter(([, v]) => v !== '')));
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		error(400, { message: `${String(issue.path[0] ?? 'query')}: ${issue.message}` });
	}
	const rows = await listAudit({ ...parsed.data, limit: parsed.data.limit === 200 ? 10_000 : parsed.data.limit });
	return csvResponse({ filename: 'loopmeter_audit.csv', fields: ['ts', 'actor', 'action', 'target', 'outcome', 'ip', 'detail'], rows });
};
