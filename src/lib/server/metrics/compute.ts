import { defineMetric } from './registry.js';

// Compute (finance). Cost model: sql/metrics/fleet_gpu_hours.sql; job time: sql/metrics/job_gpu_hours.sql.

const JOB_DIMS = ['cluster', 'gpu_type', 'purpose', 'model', 'resolution', 'status'] as const;
const FLEET_DIMS = ['cluster', 'gpu_type', 'ownership'] as const;

defineMetric({
	id: 'utilized_gpu_hours',
	title: 'Utilized GPU-hours',
	unit: 'gpu_hours',
	higherIsBetter: true,
	definition:
		'Σ gpu_count × (ended_at − started_at) / 3600 over generation jobs in the period, whatever their status (failed, cancelled and moderated jobs burned GPUs too). A job running across a day boundary is split pro rata.',
	sources: [{ file: 'job_gpu_hours', dimensions: JOB_DIMS }],
	value: 'sum(gpu_hours)',
	drilldown: 'jobs'
});

defineMetric({
	id: 'provisioned_gpu_hours',
	title: 'Provisioned GPU-hours',
	unit: 'gpu_hours',
	higherIsBetter: true,
	definition:
		'Σ over gpu_fleet rows of gpu_count × hours the row covers in the period (intervals are half-open; an open-ended row runs to the end of the period).',
	sources: [{ file: 'fleet_gpu_hours', dimensions: FLEET_DIMS }],
	value: 'sum(gpu_hours)',
	drilldown: 'fleet'
});

defineMetric({
	id: 'utilization',
	title: 'Utilization',
	unit: 'ratio',
	higherIsBetter: true,
	definition: 'Utilized GPU-hours / provisioned GPU-hours, per cluster, GPU type or overall.',
	sources: [{ file: 'gpu_hours_utilized_vs_provisioned', dimensions: ['cluster', 'gpu_type'] }],
	value: 'sum(utilized_hours) / nullIf(sum(provisioned_hours), 0)',
	components: { utilized_gpu_hours: 'sum(utilized_hours)', provisioned_gpu_hours: 'sum(provisioned_hours)' },
	drilldown: 'fleet'
});

defineMetric({
	id: 'compute_spend',
	title: 'Compute spend',
	unit: 'usd',
	higherIsBetter: false,
	definition:
		'Σ provisioned GPU-hours × hourly cost of a provisioned GPU: what the company pays, idle or not. Rented: rental_usd_per_gpu_hour. Owned: purchase_usd_per_gpu / (amortization_months × 730) + power_watts / 1000 × pue × usd_per_kwh + maintenance_usd_per_gpu_month / 730. Computed in double precision from exact decimal inputs.',
	sources: [
		{ file: 'fleet_gpu_hours', dimensions: FLEET_DIMS },
		{ file: 'fleet_cost_components', dimensions: [...FLEET_DIMS, 'cost_component'] }
	],
	value: 'sum(spend_usd)',
	drilldown: 'fleet'
});
