/**
 * Wall time spent per query tag, kept only while a benchmark asks for it
 * (startQueryProfile): the ingest benchmark prints where a load's time goes.
 */
const state = globalThis as typeof globalThis & { __loopmeterQueryProfile?: Map<string, { calls: number; ms: number }> };

export function startQueryProfile(): void {
	state.__loopmeterQueryProfile = new Map();
}

/** The profile since startQueryProfile, slowest tag first; stops profiling. */
export function stopQueryProfile(): { tag: string; calls: number; ms: number }[] {
	const p = state.__loopmeterQueryProfile;
	state.__loopmeterQueryProfile = undefined;
	return [...(p ?? [])].map(([tag, v]) => ({ tag, ...v })).sort((a, b) => b.ms - a.ms);
}

/** Called by query() and command() with each statement's wall time. */
export function recordQuery(tag: string, ms: number): void {
	const p = state.__loopmeterQueryProfile;
	if (!p) return;
	const v = p.get(tag) ?? { calls: 0, ms: 0 };
	v.calls++;
	v.ms += ms;
	p.set(tag, v);
}
