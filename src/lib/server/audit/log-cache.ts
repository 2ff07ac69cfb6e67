import { listAudit, type AuditFilter, type AuditRow } from './index.js';
import { PerDataVersionCache, versionFrom } from '../cache/per-data-version.js';

/**
 * The audit log as its pages show it, cached per version of the log. The audit
 * log is a security record: an entry must show on the very next visit after the
 * action that wrote it. So its version is read on every visit (no TTL) — the
 * row count and the newest timestamp, one aggregate without parameters, which
 * the embedded engine runs alongside the dashboard's queries instead of queueing
 * it behind them — and any new row changes it. The list itself is reused only
 * while nothing was written.
 */
export const auditLogVersion = versionFrom(`SELECT concat(toString(count()), '/', toString(max(ts))) AS v FROM audit_log`, {
	tag: 'cache:audit-version',
	ttlMs: 0
});

const cache = new PerDataVersionCache<AuditRow[]>({
	version: auditLogVersion,
	ttlMs: 10 * 60_000,
	maxEntries: 100,
	// At most 10 000 rows of ≤ 4 kB per filter; a few such lists are plenty.
	maxBytes: 64 * 2 ** 20
});

/** `listAudit(filter)`, answered from memory while the log has not changed. */
export function cachedAuditLog(filter: Partial<AuditFilter> = {}): Promise<AuditRow[]> {
	const key = JSON.stringify({ action: filter.action ?? '', actor: filter.actor ?? '', limit: filter.limit ?? 200 });
	return cache.get(key, () => listAudit(filter));
}

/** Forget every cached list (tests). */
export function clearAuditLogCache(): void {
	cache.clear();
}
