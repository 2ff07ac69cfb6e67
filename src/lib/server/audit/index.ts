import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { query } from '../warehouse/index.js';
import { streamCapped, type CappedStream } from '../warehouse/stream.js';
import { controlLane } from '../http/control-lane.js';
import { redact } from '../http/redact.js';

/**
 * The audit log: who did what, when, from where. Sign-ins and their failures,
 * exports (CSV downloads, drill-downs), admin actions. Written to the
 * warehouse; a failure to write is logged and never breaks the request.
 */
export const auditActions = [
	'login',
	'login.failed',
	'login.locked',
	'logout',
	'password.change',
	'access.denied',
	'export.csv',
	'export.drilldown',
	'user.add',
	'user.remove',
	'user.reset_password',
	'user.role',
	'token.create',
	'token.revoke',
	'token.rejected',
	'annotation.add',
	'annotation.remove',
	'alert.webhook.test',
	'budget.set',
	'month.close',
	'month.reopen'
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
	actor: string;
	action: AuditAction;
	target?: string;
	outcome?: 'ok' | 'denied' | 'failed';
	ip?: string;
	detail?: string;
}

/**
 * Written on the control lane as a JSONEachRow `insert()` (no query
 * parameters): a sign-in or refusal is never kept waiting behind the panels
 * that hold the embedded engine (auth/mirror.ts says why).
 */
export async function audit(e: AuditEntry): Promise<void> {
	try {
		const row = {
			ts: new Date().toISOString().replace('T', ' ').replace('Z', ''),
			event_id: randomUUID(),
			actor: e.actor.slice(0, 200),
			action: e.action,
			target: redact(e.target ?? '').slice(0, 2000),
			outcome: e.outcome ?? 'ok',
			ip: e.ip ?? '',
			detail: redact(e.detail ?? '').slice(0, 2000)
		};
		await (await controlLane()).insert('audit_log', [row], { tag: 'audit:write' });
	} catch (err) {
		console.error(`[audit] could not record ${e.action} by ${e.actor}: ${redact((err as Error).message)}`);
	}
}

export const auditFilter = z.object({
	action: z.enum(auditActions, { message: `action must be one of: ${auditActions.join(', ')}` }).optional(),
	actor: z.string().max(200, 'actor must have at most 200 characters').optional(),
	limit: z.coerce.number({ message: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(10_000, 'limit must be at most 10000').default(200)
});
export type AuditFilter = z.infer<typeof auditFilter>;

export type AuditRow = {
	ts: string;
	actor: string;
	action: string;
	target: string;
	outcome: string;
	ip: string;
	detail: string;
};

/** Audit rows matching the filter, newest first: the statement behind the page's list and its CSV. */
const AUDIT_MATCHING = `SELECT ts, actor, action, target, outcome, ip, detail FROM audit_log
WHERE ({action:String} = '' OR action = {action:String}) AND ({actor:String} = '' OR actor = {actor:String})
ORDER BY ts DESC, event_id`;

const auditParams = (f: Partial<AuditFilter>) => ({ action: f.action ?? '', actor: f.actor ?? '' });

export async function listAudit(f: Partial<AuditFilter> = {}): Promise<AuditRow[]> {
	return query<AuditRow>(`${AUDIT_MATCHING} LIMIT {limit:UInt32}`, { tag: 'audit:list', params: { ...auditParams(f), limit: f.limit ?? 200 } });
}

/** The audit log for a CSV: counted, then streamed from the warehouse, at most `cap` rows (warehouse/stream.ts). */
export function streamAudit(f: Partial<AuditFilter>, opts: { cap: number; signal?: AbortSignal }): Promise<CappedStream<Record<string, unknown>>> {
	return streamCapped(AUDIT_MATCHING, { params: auditParams(f), cap: opts.cap, tag: 'audit:export', signal: opts.signal });
}
