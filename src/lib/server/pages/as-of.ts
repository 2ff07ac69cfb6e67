import { asOf } from '../../contracts/as-of.js';
import type { MonthFigures, RestatementReport } from '../../contracts/finance-history.js';
import { restatementReport } from '../finance-history/index.js';
import { cachedPageTable } from './page-cache.js';

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

export type RateHistoryTable = { ok: true; report: RestatementReport } | { ok: false; error: string };

/**
 * The restatements view over the whole months around the period (finance-history),
 * shared by every page that shows it or its closed months, like the panels
 * (pages/page-cache.ts): computed once per period and data version.
 */
export function rateHistory(period: { from: string; to: string }): Promise<RateHistoryTable> {
	return cachedPageTable('compute:rate-history', [period.from, period.to], () =>
		restatementReport(period).then(
			(report): RateHistoryTable => ({ ok: true, report }),
			(e: unknown): RateHistoryTable => ({ ok: false, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) })
		)
	);
}

/** A closed month the page's period covers: what was reported at its close and the restatement since, with where to see more. */
export interface ClosedMonthNote extends MonthFigures {
	closed: true;
	closed_as_of: string;
	reported_spend_usd: number;
	reported_margin_usd: number;
	spend_restatement_usd: number;
	margin_restatement_usd: number;
	/** "September 2026". */
	label: string;
	/** The same page as reported at the close: ?as_of=<close time>, every other parameter kept. */
	asOfHref: string;
	/** The restatements view (Compute page) for the same months. */
	restatementsHref: string;
}

const monthName = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The closed months of a restatements report, as notes for the page at `url`
 * ("figures for a closed month show what was reported and, beside it, any
 * restatement since": docs/finance.md "Rate history, as-of and closed months").
 */
export function closedMonthNotes(report: RestatementReport, url: URL): ClosedMonthNote[] {
	const restatementsHref = `/compute?${new URLSearchParams({ from: report.from, to: report.to })}#rate-history`;
	return report.months.flatMap((m) => {
		if (!m.closed || m.closed_as_of === null || m.reported_spend_usd === null || m.reported_margin_usd === null) return [];
		const sp = new URLSearchParams(url.searchParams);
		sp.set('as_of', m.closed_as_of);
		return [
			{
				...m,
				closed: true as const,
				closed_as_of: m.closed_as_of,
				reported_spend_usd: m.reported_spend_usd,
				reported_margin_usd: m.reported_margin_usd,
				spend_restatement_usd: m.spend_restatement_usd ?? 0,
				margin_restatement_usd: m.margin_restatement_usd ?? 0,
				label: monthName.format(new Date(`${m.month}T00:00:00Z`)),
				asOfHref: `${url.pathname}?${sp}`,
				restatementsHref
			}
		];
	});
}

export type ClosedMonthNotes = { ok: true; notes: ClosedMonthNote[] } | { ok: false; error: string };

/**
 * The notes a page shows above its figures: none when the page is shown as of a
 * chosen moment (its figures are then the ones reported then), else one per
 * closed month the period covers. A failure is the page's problem to show, not a lost page.
 */
export async function closedMonthNotesFor(period: { from: string; to: string }, url: URL, as_of: string | undefined): Promise<ClosedMonthNotes> {
	if (as_of) return { ok: true, notes: [] };
	const history = await rateHistory(period);
	return history.ok ? { ok: true, notes: closedMonthNotes(history.report, url) } : history;
}
