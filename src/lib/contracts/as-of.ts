import { z } from 'zod';

/**
 * `as_of`: compute figures from fleet and price-sheet rows as they were loaded
 * by this moment (versions with loaded_at ≤ as_of; docs/finance.md "Rate
 * history, as-of and closed months"). A bare date means the end of that UTC
 * day (everything loaded on or before it); a time without a zone is UTC.
 * Normalized to an ISO instant with milliseconds, e.g. 2026-11-05T23:59:59.999Z.
 */
export const asOf = z
	.string()
	.trim()
	.transform((s, ctx) => {
		const instant = asOfInstant(s);
		if (!instant) {
			ctx.addIssue({ code: 'custom', message: 'must be a date like 2026-11-05 or a time like 2026-11-05T14:30:00Z' });
			return z.NEVER;
		}
		return instant;
	});
export type AsOf = z.output<typeof asOf>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

function asOfInstant(s: string): string | undefined {
	if (DATE.test(s)) {
		const start = new Date(`${s}T00:00:00.000Z`);
		if (Number.isNaN(start.getTime()) || !start.toISOString().startsWith(s)) return undefined;
		return new Date(start.getTime() + 86_400_000 - 1).toISOString();
	}
	if (!DATE_TIME.test(s)) return undefined;
	const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(s) ? s : `${s}Z`;
	const t = new Date(zoned.replace(' ', 'T'));
	return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** The same instant as ClickHouse reads a DateTime64(3, 'UTC') parameter: 2026-11-05 23:59:59.999. */
export const asOfParam = (iso: string) => iso.replace('T', ' ').replace('Z', '');

/** Without an as_of every version counts: the far future of DateTime64 (latest loads, today's figures). */
export const LATEST_AS_OF = '2299-12-31 23:59:59.999';

/** The typed parameter through which a metric's SQL reads rows as loaded by `as_of`: a metric follows as_of exactly when its SQL reads it. */
export const AS_OF_PARAMETER = '{as_of:DateTime64';

/** What the glossary says of `as_of`, restatements and closed months (the same words the docs and pages use). */
export const asOfGlossary = {
	asOf: 'the figures as they were reported at that moment: fleet and price-sheet rows as loaded by then (every load is kept, with when it was loaded); a bare date means the end of that UTC day',
	restatement: "a correction's effect on a past month: spend and margin computed from the loads just before it against those just after it; for a closed month, the figure reported at its close against today's",
	closedMonth: 'a month an admin closed (audited): its figures as of the close are what was reported; any later correction shows beside them as a restatement'
} as const;
