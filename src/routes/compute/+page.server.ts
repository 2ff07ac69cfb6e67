import { metricHeadings, metricPanel, metricTile } from '$lib/server/pages/panel';
import { firstDataDay, resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { topRequesters } from '$lib/server/pages/top-requesters';
import { cachedPageTable } from '$lib/server/pages/page-cache';
import { metricInput } from '$lib/url-state';
import { forecastPanels } from '$lib/server/pages/finance-outlook';
import { listBudgets } from '$lib/server/finance/budgets';
import type { Dimension, MetricId, MetricRequestInput } from '$lib/contracts/metrics';
import { closedMonthNotesFor, rateHistory, readAsOf } from '$lib/server/pages/as-of';
import type { PageServerLoad } from './$types';

/** [first day of from's month, first day of the month after the one before to): whole invoiced months. */
function wholeMonths(p: { from: string; to: string }): { from: string; to: string } {
	const last = new Date(`${p.to}T00:00:00Z`);
	last.setUTCDate(last.getUTCDate() - 1);
	const end = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1));
	return { from: `${p.from.slice(0, 7)}-01`, to: end.toISOString().slice(0, 10) };
}

/**
 * Compute (finance): what GPUs cost, how much of it was idle or dead, and where
 * the work went. Every panel is one metric request; they stream in.
 */
export const load: PageServerLoad = async ({ url }) => {
	const ps = await resolvePageState(url);
	const { state } = ps;
	// ?as_of=: every figure of the page as reported then (fleet and price-sheet rows as loaded by that moment).
	const { asOf: as_of, problems: asOfProblems } = readAsOf(url.searchParams);
	const problems = [...ps.problems, ...asOfProblems];
	const panel = (input: MetricRequestInput) => metricPanel({ ...input, as_of });
	const tile = (id: MetricId) => metricTile(id, state, { asOf: as_of });
	const trend = (id: MetricId, group_by: Dimension[] = []) => panel(metricInput(state, id, { group_by }));
	const total = (id: MetricId, group_by: Dimension[] = []) =>
		panel(metricInput(state, id, { grain: 'total', group_by }));
	const daily = (id: MetricId, group_by: Dimension[] = []) =>
		panel(metricInput(state, id, { grain: 'day', group_by }));

	// Fleet history over all the data, weekly: the price cut and the owned-cluster
	// expansion show whatever period is picked.
	const first = await firstDataDay().catch(() => null);
	const history = first && ps.dataEnd ? { from: first, to: ps.defaults.to } : null;
	const historyPanel = (id: MetricId, group_by: Dimension[] = []) =>
		history ? panel(metricInput(state, id, { grain: 'week', group_by, period: history })) : null;

	return {
		...ps,
		problems,
		asOf: as_of ?? null,
		headings: metricHeadings(),
		history,
		options: await filterOptions([
			{ dim: 'cluster', label: 'Cluster' },
			{ dim: 'gpu_type', label: 'GPU type' },
			{ dim: 'ownership', label: 'Ownership' },
			{ dim: 'purpose', label: 'Purpose' },
			{ dim: 'plan', label: 'Plan' },
			{ dim: 'model', label: 'Model' },
			{ dim: 'resolution', label: 'Resolution' }
		]),
		tiles: {
			compute_spend: tile('compute_spend'),
			idle_cost: tile('idle_cost'),
			cost_per_gpu_hour: tile('cost_per_gpu_hour'),
			utilization: tile('utilization'),
			provisioned_gpu_hours: tile('provisioned_gpu_hours'),
			utilized_gpu_hours: tile('utilized_gpu_hours'),
			dead_compute: tile('dead_compute'),
			cost_per_output_second: tile('cost_per_output_second'),
			cost_per_clip: tile('cost_per_clip')
		},
		charts: {
			provisionedByCluster: trend('provisioned_gpu_hours', ['cluster']),
			utilizedByCluster: trend('utilized_gpu_hours', ['cluster']),
			utilizationHeat: daily('utilization', ['cluster']),
			spendByOwnership: trend('compute_spend', ['ownership']),
			spendByComponent: trend('compute_spend', ['cost_component']),
			idleByOwnership: trend('idle_cost', ['ownership']),
			costPerHour: trend('cost_per_gpu_hour'),
			costPerHourByCluster: trend('cost_per_gpu_hour', ['cluster']),
			byPurpose: trend('utilized_gpu_hours', ['purpose']),
			byPlan: total('utilized_gpu_hours', ['plan']),
			costPerOutputSecondByModel: trend('cost_per_output_second', ['model']),
			// The reasons only: 'live' work is the rest of the compute, not a kind of dead compute.
			deadByReason: panel(
				metricInput(state, 'dead_compute', { group_by: ['dead_reason'], filters: { dead_reason: ['failed', 'cancelled', 'moderated', 'never_watched_7d'] } })
			)
		},
		tables: {
			byGpuType: total('utilization', ['cluster', 'gpu_type']),
			spendByCluster: total('compute_spend', ['cluster', 'ownership']),
			byModel: total('utilized_gpu_hours', ['model', 'resolution']),
			unitCostByModel: total('cost_per_output_second', ['model', 'resolution']),
			unitCostByPurposePlan: total('cost_per_clip', ['purpose', 'plan']),
			// Provider invoices per month: the table reads whole months around the period, since invoices are monthly.
			// Month-end run-rate forecast as of the period's end (docs/finance.md "Forecast and break-even").
			forecast: forecastPanels(state, { as_of }),
			// The budget lines of the period's months as they stand, with who set them (file or admin).
			budgetLines: listBudgets(state).then(
				(rows) => ({ ok: true as const, rows: rows.map((b) => ({ ...b, source: b.set_by ? `set by ${b.set_by}` : `file (${b.ingest_run_id})` })) }),
				(e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) })
			),
			budgetVariance: panel(metricInput(state, 'budget_variance', { grain: 'month', group_by: ['budget_line'] })),
			invoiceVariance: panel(metricInput(state, 'compute_invoice_variance', { grain: 'month', group_by: ['cluster'], period: wholeMonths(state) })),
			dead: total('dead_compute', ['dead_reason']),
			// Per data version, like the panels (pages/page-cache.ts): not re-queried on every visit.
			top: cachedPageTable('compute:top-requesters', [state.from, state.to, state.filters, as_of], () => topRequesters({ ...state, as_of })),
			// Corrections, their effect per month, closed months as reported vs now (whole months around the period).
			rateHistory: rateHistory(state)
		},
		// Each closed month the period covers: reported at close beside the restatement since (none when shown as of a moment).
		closedMonths: closedMonthNotesFor(state, url, as_of),
		historyCharts: {
			costPerHour: historyPanel('cost_per_gpu_hour', ['cluster']),
			provisioned: historyPanel('provisioned_gpu_hours', ['cluster']),
			spend: historyPanel('compute_spend', ['ownership'])
		}
	};
};
