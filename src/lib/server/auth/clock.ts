/** DateTime64(3) text ClickHouse parses without best-effort mode: `2026-11-26 09:00:00.000`. */
export const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

/** Parses DateTime64 text from ClickHouse (UTC, no zone suffix). */
export const fromChTime = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);

let last = 0;
/**
 * Row version for ReplacingMergeTree: microseconds since the epoch, strictly
 * increasing within this process so two changes in one millisecond keep order.
 */
export function nextVersion(): string {
	last = Math.max(Date.now() * 1000, last + 1);
	return String(last);
}
