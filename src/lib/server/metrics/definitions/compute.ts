import type { MetricDefinition, MetricTable } from '../definition.js';
import { withPeriodShares } from './with-period-share.js';

// Compute (finance). Cost model: sql/metrics/fleet_gpu_hours.sql; job time:
// sql/metrics/job_gpu_hours.sql; job cost allocation: sql/metrics/job_cost.sql.

const JOB_DIMS = ['cluster', 'gpu_type', 'purpose', 'model', 'resolution', 'status'] as const;
const FLEET_DIMS = ['cluster', 'gpu_type', 'ownership'] as const;

const utilized_gpu_hours = {
	id: 'utilized_gpu_hours',
	title: 'Utilized GPU-hours',
	unit: 'gpu_hours',
	page: '/',
	higherIsBetter: true,
	definition:
		'Σ gpu_count × (ended_at − started_at) / 3600 over generation jobs in the period, whatever their status (failed, cancelled and moderated jobs burned GPUs too). A job running across a day boundary is split pro rata. By plan: the requester\'s plan when the job started (no paid plan = free); feed pre-generation, internal and eval jobs are their own line (plan = purpose).',
	sources: [
		{ file: 'rollup_job_gpu_hours', dimensions: JOB_DIMS },
		{ file: 'job_gpu_hours', dimensions: JOB_DIMS },
		{ file: 'job_plan_hours', dimensions: [...JOB_DIMS, 'plan'] }
	],
	value: 'sum(gpu_hours)',
	drilldown: 'jobs',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const provisioned_gpu_hours = {
	id: 'provisioned_gpu_hours',
	title: 'Provisioned GPU-hours',
	unit: 'gpu_hours',
	page: '/',
	higherIsBetter: true,
	definition:
		'Σ over gpu_fleet rows of gpu_count × hours the row covers in the period (intervals are half-open; an open-ended row runs to the end of the period).',
	sources: [{ file: 'fleet_gpu_hours', dimensions: FLEET_DIMS }],
	value: 'sum(gpu_hours)',
	drilldown: 'fleet'
} satisfies MetricDefinition;

const utilization = {
	id: 'utilization',
	title: 'Utilization',
	unit: 'ratio',
	page: '/compute',
	higherIsBetter: true,
	definition:
		'Utilized GPU-hours / provisioned GPU-hours, per cluster, GPU type, ownership or overall: a ratio of the period\'s sums, not an average of daily ratios.',
	sources: [{ file: 'fleet_utilization_daily', dimensions: FLEET_DIMS }],
	value: 'sum(utilized_h) / nullIf(sum(provisioned_h), 0)',
	components: { utilized_gpu_hours: 'sum(utilized_h)', provisioned_gpu_hours: 'sum(provisioned_h)' },
	drilldown: 'fleet'
} satisfies MetricDefinition;

const compute_spend = {
	id: 'compute_spend',
	title: 'Compute spend',
	unit: 'usd',
	page: '/',
	higherIsBetter: false,
	definition:
		'Σ provisioned GPU-hours × hourly cost of a provisioned GPU: what the company pays, idle or not. Rented: rental_usd_per_gpu_hour. Owned: purchase_usd_per_gpu / (amortization_months × 730) + power_watts / 1000 × pue × usd_per_kwh + maintenance_usd_per_gpu_month / 730. Computed in double precision from exact decimal inputs. What-if: gpu_price_factor scales rental and amortization, power_price_factor the electricity price.',
	sources: [
		{ file: 'fleet_gpu_hours', dimensions: FLEET_DIMS },
		{ file: 'fleet_cost_components', dimensions: [...FLEET_DIMS, 'cost_component'] }
	],
	value: 'sum(spend_usd)',
	drilldown: 'fleet'
} satisfies MetricDefinition;

const idle_cost = {
	id: 'idle_cost',
	title: 'Idle cost',
	unit: 'usd',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'Compute spend × (1 − utilization), computed per UTC day, cluster and GPU type and then summed: idle rented GPUs are priced at their rental rate, idle owned GPUs at their fully loaded rate. Never negative (a cluster-day above 100 % utilization has no idle cost).',
	sources: [{ file: 'fleet_utilization_daily', dimensions: FLEET_DIMS }],
	value: 'sum(idle_cost)',
	components: {
		spend_usd: 'sum(spend)',
		utilized_gpu_hours: 'sum(utilized_h)',
		provisioned_gpu_hours: 'sum(provisioned_h)'
	},
	drilldown: 'fleet'
} satisfies MetricDefinition;

const cost_per_gpu_hour = {
	id: 'cost_per_gpu_hour',
	title: 'Cost per utilized GPU-hour',
	unit: 'usd_per_gpu_hour',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'Compute spend / utilized GPU-hours: what one GPU-hour of real work costs, fully loaded (idle capacity included). Jobs are charged at this rate of their cluster and UTC day, so allocated cost adds up to spend.',
	sources: [{ file: 'fleet_utilization_daily', dimensions: FLEET_DIMS }],
	value: 'sum(spend) / nullIf(sum(utilized_h), 0)',
	components: { spend_usd: 'sum(spend)', utilized_gpu_hours: 'sum(utilized_h)' },
	drilldown: 'fleet'
} satisfies MetricDefinition;

const dead_compute = {
	id: 'dead_compute',
	title: 'Dead compute',
	unit: 'gpu_hours',
	page: '/compute',
	higherIsBetter: false,
	definition:
		'GPU-hours of jobs that failed, were cancelled or moderated, plus succeeded jobs whose published video got no human impression within 7 days of its creation (dead_reason never_watched_7d; a video whose 7 days are not over at the last impression in the warehouse is not judged yet and counts as live). Also as dollars (each job charged at its cluster-day cost per utilized GPU-hour) and as a share of all GPU-hours and of all allocated cost in the period (of the filtered rows when filtered). Succeeded jobs that publish no video (e.g. eval) are not dead.',
	sources: [{ file: 'dead_compute_jobs', dimensions: [...JOB_DIMS, 'plan', 'dead_reason'] }],
	value: "sumIf(gpu_hours, dead_reason != 'live')",
	components: {
		dead_cost_usd: "sumIf(cost_usd, dead_reason != 'live')",
		all_gpu_hours: 'sum(gpu_hours)',
		all_cost_usd: 'sum(cost_usd)'
	},
	// The components above, as shares of the period's total across every group.
	build: withPeriodShares({
		dead_share: { part: 'value', total: 'all_gpu_hours' },
		dead_cost_share: { part: 'dead_cost_usd', total: 'all_cost_usd' }
	}),
	drilldown: 'dead_jobs',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/** The compute metrics, by id. */
export const computeMetrics = { utilized_gpu_hours, provisioned_gpu_hours, utilization, compute_spend, idle_cost, cost_per_gpu_hour, dead_compute } satisfies MetricTable;
