import type { Column } from '$lib/components/DataTable.svelte';

/**
 * How budget lines and the month-end forecast read on screen: the Compute page
 * and the admin Budgets page show the same rows, so they name them once.
 */
export const BUDGET_LINE_COLUMNS: Column[] = [
	{ key: 'month', label: 'Month' },
	{ key: 'line', label: 'Line' },
	{ key: 'scope', label: 'Scope' },
	{ key: 'amount_usd', label: 'Budget', unit: 'usd' },
	{ key: 'source', label: 'From' },
	{ key: 'set_at', label: 'Set at (UTC)' }
];

/** Column labels of budget_forecast rows (its components: docs/metrics.md). */
export const FORECAST_LABELS: Record<string, string> = {
	value: 'Forecast',
	actual_mtd_usd: 'Month to date',
	budget_usd: 'Budget',
	forecast_vs_budget_usd: 'Forecast − budget',
	forecast_low_usd: 'Low (95 %)',
	forecast_high_usd: 'High (95 %)',
	days_left: 'Days left',
	run_rate_usd_per_day: 'Run rate / day',
	run_rate_sd_usd: 'Daily s.d.'
};
