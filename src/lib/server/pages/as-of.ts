import { asOf } from '../../contracts/as-of.js';

/**
 * ?as_of= on a page: its figures as reported then (fleet and price-sheet rows as
 * loaded by that moment). A malformed value is a problem shown above the page,
 * naming the field, and the latest loads are shown instead.
 */
export function readAsOf(sp: URLSearchParams): { asOf: string | undefined; problems: string[] } {
	const parsed = asOf.optional().safeParse(sp.get('as_of') || undefined);
	if (parsed.success) return { asOf: parsed.data, problems: [] };
	return { asOf: undefined, problems: [`as_of: ${parsed.error.issues[0]!.message}; the latest loads are shown`] };
}
