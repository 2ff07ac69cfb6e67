import { metricHeadings, metricPanel, metricTile } from '$lib/server/pages/panel';
import { resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { refundRows, topMovers } from '$lib/server/pages/revenue-report';
import { cachedPageTable } from '$lib/server/pages/page-cache';
import { addDays, metricInput } from '$lib/url-state';
import type { Dimension, MetricId } from '$lib/contracts/metrics';
import { mrrPolicyFromSearchParams } from '$lib/contracts/mrr-policy';
import { resolveMrrPolicy } from '$lib/server/metrics/mrr-policy';
import type { PageServerLoad } from './$types';

/** First day of the month `months` before the month of `iso`. */
function monthStart(iso: string, months = 0): string {
	const d = new Date(`${iso.slice(0, 7)}-01T00:00:00Z`);
	d.setUTCMonth(d.getUTCMonth() - months);
	return d.toISOString().slice(0, 10);
}

/** The whole months the period touches: revenue reconciliation is defined per calendar month. */
function wholeMonths(p: { from: string; to: string }): { from: string; to: string } {
	return { from: monthStart(p.from), to: monthStart(addDays(monthStart(addDays(p.to, -1)), 31)) };
}

/**
 * Revenue (finance): MRR and how it moved, recognized subscription revenue by
 * plan and by source, refunds, and the customers behind the biggest changes.
 * Every chart is one metric request (the API and CLI give the same numbers);
 * the two row tables read the same SQL files as those metrics.
 */
export const load: PageServerLoad = async ({ url }) => {
	const ps = await resolvePageState(url);
	const { state } = ps;
	// MRR source and revenue policies chosen on the page (?mrr_source=…), else the configured defaults.
	const { policy: mrr, problem: policyProblem } = mrrPolicyFromSearchParams(url.searchParams);
	const isMrr = (id: MetricId) => id === 'mrr' || id === 'mrr_movements';
	const withPolicy = (id: MetricId, input: ReturnType<typeof metricInput>) => (isMrr(id) ? { ...input, mrr } : input);
	const trend = (id: MetricId, group_by: Dimension[] = []) => metricPanel(withPolicy(id, metricInput(state, id, { group_by })));
	const total = (id: MetricId, group_by: Dimension[] = []) => metricPanel(withPolicy(id, metricInput(state, id, { grain: 'total', group_by })));

	// The bridge shows whole months: those the period touches, and at least the six ending with it.
	const lastDay = addDays(state.to, -1);
	const bridge = { from: [monthStart(state.from), monthStart(lastDay, 5)].sort()[0]!, to: state.to };
	const reconciliationMonths = wholeMonths(state);

	return {
		...ps,
		bridge,
		reconciliationMonths,
		headings: metricHeadings(),
		mrrPolicy: { chosen: mrr, resolved: resolveMrrPolicy(mrr), problem: policyProblem },
		options: await filterOptions([{ dim: 'plan', label: 'Plan' }]),
		tiles: {
			mrr: metricTile('mrr', state, { mrr }),
			subscription_revenue: metricTile('subscription_revenue', state),
			revenue: metricTile('revenue', state),
			ad_revenue: metricTile('ad_revenue', state)
		},
		charts: {
			mrr: metricPanel({ ...metricInput(state, 'mrr', { grain: 'day' }), mrr }),
			mrrByPlan: metricPanel({ ...metricInput(state, 'mrr', { grain: 'day', group_by: ['plan'] }), mrr }),
			bridge: metricPanel({ ...metricInput(state, 'mrr_movements', { grain: 'month', group_by: ['movement'], period: bridge }), mrr }),
			movements: trend('mrr_movements', ['movement']),
			revenueByPlan: trend('subscription_revenue', ['plan']),
			revenueBySource: trend('revenue', ['source']),
			refunds: trend('subscription_revenue'),
			reconciliation: metricPanel(metricInput(state, 'revenue_reconciliation', { grain: 'month', period: reconciliationMonths }))
		},
		tables: {
			movements: total('mrr_movements', ['movement']),
			revenueByPlan: total('subscription_revenue', ['plan']),
			// Per data version, like the panels (pages/page-cache.ts): not re-queried on every visit.
			movers: cachedPageTable('revenue:movers', [state.from, state.to, state.filters, mrr], () => topMovers(state, mrr)),
			refunds: cachedPageTable('revenue:refunds', [state.from, state.to, state.filters], () => refundRows(state))
		}
	};
};
