import type { MetricDefinition, MetricTable } from '../definition.js';

// Finance depth (docs/finance.md "Finance depth"): what a unit of output costs.
// Base rows: sql/metrics/job_output_cost.sql (one row per job ending in the
// period, with its whole by_use job cost and the output it delivered).

const OUTPUT_DIMS = ['model', 'resolution', 'purpose', 'plan', 'cluster', 'gpu_type'] as const;

/** Both metrics share their parts, so a table row can show cost, output and clips side by side. */
// (Names differ from the base columns: ClickHouse would read an alias inside the aggregates.)
const OUTPUT_COST_PARTS = {
	job_cost_usd: 'sum(cost_usd)',
	delivered_output_seconds: 'sum(output_seconds)',
	delivered_clips: 'sum(clips)',
	jobs: 'count()',
	failed_attempt_cost_usd: "sumIf(cost_usd, status != 'succeeded')",
	job_gpu_hours: 'sum(gpu_hours)'
} as const;

const JOB_COST =
	'Job cost = Σ over the cluster-days a job ran (inside the period or before it) of its GPU-hours there × that cluster-day\'s cost per utilized GPU-hour (the by_use charge, whatever idle_policy the request names), whatever the job\'s status.';
const PERIOD_AND_DIMS =
	' A job belongs to the UTC day its ended_at falls on. By model, resolution, purpose, plan (the requester\'s plan when the job started; system jobs: their purpose), cluster and GPU type, each job in its own group. What-if: a GPU price cut lowers every job\'s cost and so this figure.';

const cost_per_output_second = {
	id: 'cost_per_output_second',
	title: 'Cost per output-second',
	unit: 'usd_per_output_second',
	page: '/unit-economics',
	higherIsBetter: false,
	definition:
		'Σ job cost of the jobs that ended in the period — failed, cancelled and moderated attempts included — / Σ output_seconds of those that succeeded: what one second of delivered video cost, retries and rejected attempts counted in it. ' +
		JOB_COST +
		PERIOD_AND_DIMS,
	sources: [{ file: 'job_output_cost', dimensions: OUTPUT_DIMS }],
	value: 'sum(cost_usd) / nullIf(sum(output_seconds), 0)',
	components: OUTPUT_COST_PARTS,
	drilldown: 'job_output_cost',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const cost_per_clip = {
	id: 'cost_per_clip',
	title: 'Cost per clip',
	unit: 'usd_per_clip',
	page: '/unit-economics',
	higherIsBetter: false,
	definition:
		'Σ job cost of the jobs that ended in the period — failed, cancelled and moderated attempts included — / the number of those that succeeded (clips delivered). ' +
		JOB_COST +
		PERIOD_AND_DIMS,
	sources: [{ file: 'job_output_cost', dimensions: OUTPUT_DIMS }],
	value: 'sum(cost_usd) / nullIf(sum(clips), 0)',
	components: OUTPUT_COST_PARTS,
	drilldown: 'job_output_cost',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const compute_invoice_variance = {
	id: 'compute_invoice_variance',
	title: 'Invoice variance (compute)',
	unit: 'usd',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'What the GPU providers invoiced (gpu_invoices) − the compute spend Loopmeter computed for the same rented clusters, per cluster and month (read it at grain month). Owned hardware has no provider invoice and is left out. A month\'s invoices are spread evenly over its days, so a period cutting a month gets its share and the drill-down lists the cluster-days behind a variance, largest difference first. A cluster with spend and no invoice shows the whole spend as negative variance (an invoice is missing); an invoice with no computed spend, the whole invoice. variance_share = variance / computed spend.',
	sources: [{ file: 'compute_invoice_daily', dimensions: ['cluster'] }],
	value: 'sum(invoiced_usd) - sum(computed_usd)',
	components: {
		invoiced_total_usd: 'sum(invoiced_usd)',
		computed_total_usd: 'sum(computed_usd)',
		variance_share: '(sum(invoiced_usd) - sum(computed_usd)) / nullIf(sum(computed_usd), 0)'
	},
	drilldown: 'compute_invoice_days'
} satisfies MetricDefinition;

const budget_variance = {
	id: 'budget_variance',
	title: 'Budget vs actual',
	unit: 'usd',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'Actual − budget, by budget_line (compute: compute spend; revenue: recognized subscription + ad revenue) and cluster (compute budgets per cluster, or for the whole company with an empty scope; a month with a company-wide compute budget ignores its per-cluster budgets so nothing is counted twice). Budgets come from the budgets source, one per month; each is spread evenly over its days, so a period that cuts a month (month to date) is compared with that share. Positive = over budget for compute, ahead of budget for revenue; read it grouped by budget_line. variance_share = (actual − budget) / budget.',
	sources: [{ file: 'budget_daily', dimensions: ['budget_line', 'cluster'] }],
	value: 'sum(actual_usd) - sum(budget_usd)',
	components: {
		actual_total_usd: 'sum(actual_usd)',
		budget_total_usd: 'sum(budget_usd)',
		variance_share: '(sum(actual_usd) - sum(budget_usd)) / nullIf(sum(budget_usd), 0)'
	},
	drilldown: 'budget_days'
} satisfies MetricDefinition;

export const financeDepthMetrics = { cost_per_output_second, cost_per_clip, compute_invoice_variance, budget_variance } satisfies MetricTable;
