import type { Grain } from '../../contracts/metrics.js';
import { boundedPeriod, type DataSpan } from './period-bounds.js';
import { firstDataDay, latestDataDay } from './page-state.js';

/** The data's span now (cached per data version by page-state); unknown ends when the warehouse cannot say. */
export async function dataSpan(): Promise<DataSpan> {
	// An unreachable warehouse is reported by the query itself, not here.
	const [first, last] = await Promise.all([firstDataDay().catch(() => null), latestDataDay().catch(() => null)]);
	return { first, last, today: new Date().toISOString().slice(0, 10) };
}

/** `boundedPeriod` against the data as it is now: for API requests and drill-downs. */
export async function boundPeriod<T extends { from: string; to: string; grain?: Grain }>(input: T): Promise<T> {
	return boundedPeriod(input, await dataSpan());
}
