import { error } from '@sveltejs/kit';
import { auditFilter, streamAudit } from '$lib/server/audit';
import { busyIs429, CSV_ROW_CAP, exportResponse } from '$lib/server/http/csv-response';
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
	// The page's default list length (200) means "all of it" here, up to the export cap; streamed, so the cap is not a memory bound.
	const cap = parsed.data.limit === 200 ? CSV_ROW_CAP : parsed.data.limit;
	const streamed = await streamAudit(parsed.data, { cap, signal: event.request.signal }).catch(busyIs429);
	return exportResponse({ format: 'csv', filename: 'loopmeter_audit.csv', fields: ['ts', 'actor', 'action', 'target', 'outcome', 'ip', 'detail'], ...streamed, cap });
};
