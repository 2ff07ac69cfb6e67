import type { IdlePolicy, MetricRequestInput, WhatIf } from '../../contracts/metrics.js';
import type { MetricPanel } from '../../panel.js';
import { metricInput, type PageState } from '../../url-state.js';
import { TREND_WEEKS } from '../finance/break-even.js';
import { metricPanel } from './panel.js';

/** The Monday of the week holding `day` (ISO dates, UTC). */
function mondayOf(day: string): Date {
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
	return d;
}
const iso = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The weeks the break-even trend is fitted to, as of the period's end: the
 * TREND_WEEKS complete Monday weeks before the week holding `to`
 * (sql/metrics/break_even_weeks.sql reads the same ones).
 */
export function trendWeeks(to: string): { from: string; to: string } {
	const end = mondayOf(to);
	const start = new Date(end);
	start.setUTCDate(start.getUTCDate() - 7 * TREND_WEEKS);
	return { from: iso(start), to: iso(end) };
}

/**
 * Break-even outlook as of the page's period end, and the weekly margins per
 * GPU-hour it is fitted to (the same figures as margin_per_gpu_hour by week),
 * with the page's what-if and idle policy. Company-wide: page filters do not apply.
 */
export function breakEvenPanels(state: PageState, opts: { what_if?: WhatIf; idle_policy?: IdlePolicy; as_of?: string } = {}): { outlook: Promise<MetricPanel>; weeks: Promise<MetricPanel> } {
	const asOf = { from: state.from, to: state.to };
	return {
		outlook: metricPanel({ ...metricInput(state, 'break_even_outlook', { grain: 'total', period: asOf }), filters: {}, ...opts } as MetricRequestInput),
		weeks: metricPanel({ ...metricInput(state, 'margin_per_gpu_hour', { grain: 'week', period: trendWeeks(state.to) }), filters: {}, ...opts } as MetricRequestInput)
	};
}

/**
 * Month-end forecast panels: per budget line (compute total, revenue) and
 * compute per cluster, as of the period's end (the page's cluster filter applies);
 * with `as_of`, spend from the fleet and price-sheet rows as loaded by then.
 */
export function forecastPanels(state: PageState, opts: { as_of?: string } = {}): { lines: Promise<MetricPanel>; clusters: Promise<MetricPanel> } {
	return {
		lines: metricPanel({ ...metricInput(state, 'budget_forecast', { grain: 'total', group_by: ['budget_line'] }), ...opts }),
		clusters: metricPanel({ ...metricInput(state, 'budget_forecast', { grain: 'total', group_by: ['budget_line', 'cluster'], filters: { budget_line: ['compute'] } }), ...opts })
	};
}
