import type { Grain } from '../../contracts/metrics.js';
import { addDays, daysBetween } from '../../url-state.js';

/**
 * The longest period a request over HTTP may compute, per grain: a day grain
 * over 1980–2149 made the engine build 62 000 days × every breakdown while
 * everyone else waited. Longer asks keep their end and lose their start.
 */
export const MAX_PERIOD_DAYS: Record<Grain, number> = { day: 5 * 366, week: 20 * 366, month: 50 * 366, total: 50 * 366 };

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** First and last day with data (null when unknown or empty), and today (UTC). */
export interface DataSpan {
	first: string | null;
	last: string | null;
	today: string;
}

/**
 * A requested [from, to) cut to what there is to compute: at most
 * MAX_PERIOD_DAYS of its grain, and inside the span of the data (first day
 * with data, up to the later of the last day with data and today). Malformed
 * dates are left alone for the request's own validation to name. The response
 * states the period actually computed (its `from` and `to`).
 */
export function boundedPeriod<T extends { from: string; to: string; grain?: Grain }>(input: T, span: DataSpan): T {
	if (!ISO_DAY.test(input.from) || !ISO_DAY.test(input.to) || input.from >= input.to) return input;
	let { from, to } = input;
	const end = addDays(span.last && span.last > span.today ? span.last : span.today, 1);
	if (span.first && from < span.first && to > span.first) from = span.first;
	if (to > end && from < end) to = end;
	const max = MAX_PERIOD_DAYS[input.grain ?? 'day'];
	if (daysBetween(from, to) > max) from = addDays(to, -max);
	return from === input.from && to === input.to ? input : { ...input, from, to };
}
