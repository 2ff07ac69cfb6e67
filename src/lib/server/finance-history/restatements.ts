import type { MonthFigures, RateCorrection, RestatementReport, RestatementRow } from '../../contracts/finance-history.js';
import { fromChTime } from '../auth/clock.js';
import { DRILL_MAX_ROWS, queryRows } from '../metrics/drill.js';
import { parseMetricRequest, runMetric } from '../metrics/run.js';
import { closedMonths } from './closed-months.js';

/**
 * The restatements view (docs/finance.md "Rate history, as-of and closed
 * months"): each correction of a fleet or price-sheet row, with its effect on
 * every month of the period, and each month as reported at its close beside
 * the figure now. Every figure is the compute_spend or revenue metric itself,
 * asked `as_of` the moment that matters, so a restatement is exactly the
 * difference between two answers of the same definition:
 *   - a correction load's effect on month m: spend(m) as of its last row's
 *     loaded_at − spend(m) as of 1 ms before its first row's;
 *   - a closed month's restatement: spend(m) now − spend(m) as of its close.
 * Margin is revenue − compute spend; revenue does not depend on rates, so a
 * margin restatement is minus the spend restatement.
 */

/** [first day of from's month, first day of the month after to's last day): restatements are per whole month. */
export function wholeMonths(p: { from: string; to: string }): { from: string; to: string } {
	const last = new Date(`${p.to}T00:00:00Z`);
	last.setUTCDate(last.getUTCDate() - 1);
	const end = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1));
	return { from: `${p.from.slice(0, 7)}-01`, to: end.toISOString().slice(0, 10) };
}

function monthsOf(p: { from: string; to: string }): string[] {
	const out: string[] = [];
	for (let d = new Date(`${p.from}T00:00:00Z`); d.toISOString().slice(0, 10) < p.to; d.setUTCMonth(d.getUTCMonth() + 1)) out.push(d.toISOString().slice(0, 10));
	return out;
}

type MonthValues = Map<string, number>;

/** One monthly metric (compute_spend or revenue) over the months, as of a moment or now. */
async function monthly(metric: 'compute_spend' | 'revenue', period: { from: string; to: string }, asOf?: string): Promise<{ values: MonthValues; sql: string }> {
	const { response, query } = await runMetric({ metric, ...period, grain: 'month', as_of: asOf });
	return { values: new Map(response.rows.map((r) => [String(r.period), Number(r.value ?? 0)])), sql: query.sql };
}

/** A ClickHouse DateTime64 text as an ISO instant, moved by `ms`. */
const instant = (ch: string, ms = 0) => new Date(fromChTime(ch).getTime() + ms).toISOString();

/** Corrections by the load that made them: the load is what a restatement is the effect of. */
function byLoad(corrections: RateCorrection[]): Map<string, RateCorrection[]> {
	const loads = new Map<string, RateCorrection[]>();
	for (const c of corrections) loads.set(c.ingest_run_id, [...(loads.get(c.ingest_run_id) ?? []), c]);
	return loads;
}

export async function restatementReport(input: { from: string; to: string }, opts: { signal?: AbortSignal } = {}): Promise<RestatementReport> {
	// Validated like any metric request (dates, from < to), then widened to whole months.
	const asked = parseMetricRequest({ metric: 'compute_spend', from: input.from, to: input.to });
	const period = wholeMonths(asked);
	const months = monthsOf(period);
	const req = parseMetricRequest({ metric: 'compute_spend', ...period });
	const rows = await queryRows('rate_corrections', req, { limit: DRILL_MAX_ROWS, tag: 'restatements:corrections', signal: opts.signal });
	const corrections = rows.rows as unknown as RateCorrection[];
	const [now, revenue, closes] = await Promise.all([monthly('compute_spend', period), monthly('revenue', period), closedMonths()]);

	// Spend as of each moment that matters, asked once per moment.
	const asked_ = new Map<string, Promise<MonthValues>>();
	const spendAsOf = (asOf: string) => {
		let p = asked_.get(asOf);
		if (!p) asked_.set(asOf, (p = monthly('compute_spend', period, asOf).then((r) => r.values)));
		return p;
	};
	const at = (values: MonthValues, month: string) => values.get(month) ?? 0;
	const margin = (month: string, spend: number) => at(revenue.values, month) - spend;

	const restatements: RestatementRow[] = [];
	for (const [run, list] of byLoad(corrections)) {
		const first = list.reduce((a, c) => (c.loaded_at < a ? c.loaded_at : a), list[0]!.loaded_at);
		const last = list.reduce((a, c) => (c.loaded_at > a ? c.loaded_at : a), list[0]!.loaded_at);
		const [before, after] = await Promise.all([spendAsOf(instant(first, -1)), spendAsOf(instant(last))]);
		for (const month of months) {
			const b = at(before, month);
			const a = at(after, month);
			restatements.push({
				month,
				ingest_run_id: run,
				loaded_at: instant(last),
				rows_corrected: list.map((c) => c.row_key).join('; '),
				changes: list.map((c) => c.change).join('; '),
				spend_before_usd: b,
				spend_after_usd: a,
				spend_restatement_usd: a - b,
				margin_before_usd: margin(month, b),
				margin_after_usd: margin(month, a),
				margin_restatement_usd: margin(month, a) - margin(month, b)
			});
		}
	}

	const monthFigures: MonthFigures[] = [];
	for (const month of months) {
		const close = closes.get(month);
		const spendNow = at(now.values, month);
		const reported = close ? at(await spendAsOf(close.as_of), month) : null;
		monthFigures.push({
			month,
			closed: Boolean(close),
			closed_as_of: close?.as_of ?? null,
			closed_by: close?.actor ?? null,
			reported_spend_usd: reported,
			spend_now_usd: spendNow,
			spend_restatement_usd: reported === null ? null : spendNow - reported,
			reported_margin_usd: reported === null ? null : margin(month, reported),
			margin_now_usd: margin(month, spendNow),
			margin_restatement_usd: reported === null ? null : margin(month, spendNow) - margin(month, reported)
		});
	}
	return {
		...period,
		months: monthFigures,
		corrections: corrections.map((c) => ({ ...c, previous_loaded_at: instant(c.previous_loaded_at), loaded_at: instant(c.loaded_at), valid_from: instant(c.valid_from) })),
		restatements,
		sql: { corrections: rows.sql, spend: now.sql, revenue: revenue.sql }
	};
}
