import type { MetricRequest } from '../../../contracts/metrics.js';
import { filterClause } from '../build-query.js';
import type { BuildContext, MetricDefinition, MetricTable } from '../definition.js';
import { groupOrder } from '../engagement-sql.js';

// Retention of any additive metric (docs/product.md, "Retention of any metric"): the
// cohort triangle (signup week, or first-paid week with cohort_by) of watch-hours,
// generations, revenue, compute cost and margin. Base rows: sql/metrics/retention_cohort_weeks.sql.

/** Rows: cohort × week since the cohort week (× country): the total, per cohort user and per retained (active that week) user. */
function cohortSql(measure: string) {
	return (req: MetricRequest, ctx: BuildContext) => {
		const dims = req.group_by as string[];
		const keys = ['cohort', 'week', ...dims];
		const select = [
			'cohort',
			'week',
			...dims,
			`sum(${measure}) AS value`,
			`sum(${measure}) / nullIf(sum(users), 0) AS per_cohort_user`,
			`sum(${measure}) / nullIf(sum(active), 0) AS per_retained_user`,
			'sum(users) AS cohort_users',
			'sum(active) AS retained_users',
			'sum(active) / nullIf(sum(users), 0) AS retained_share'
		];
		const sql = `SELECT ${select.join(', ')}
FROM (
${ctx.sql('retention_cohort_weeks')}
) AS base
WHERE 1${filterClause(req)}${groupOrder(keys)}`;
		return { file: 'sql/metrics/retention_cohort_weeks.sql', sql };
	};
}

const COHORTS =
	'Cohorts (cohort_by): signup_week (default) = users who signed up in the period, by the Monday (UTC) of their signup week; first_paid_week = users whose first paid Stripe invoice (status paid, lines net of discounts and tax above $0: a free trial or a 100 % coupon is not a payment; time paid_at) was paid in the period, by the Monday of that week, customers linked to users only. Internal accounts excluded. Week k = the k-th whole week from the cohort Monday (0 = the cohort week; activity before it is not counted). Rows: cohort, week, value (the total over the cohort’s users that week), per_cohort_user (÷ cohort size), per_retained_user (÷ users active that week, a human impression), cohort_users, retained_users, retained_share (retained ÷ cohort users: activity retention of the same cohorts). Only activity inside the period counts; a week appears once observed whole. Grain is ignored: the rows are the cohort triangle.';

const retention_watch_hours = {
	id: 'retention_watch_hours',
	title: 'Watch-hours retention by cohort week',
	unit: 'hours',
	page: '/engagement',
	higherIsBetter: true,
	definition: `Human watch-hours of each cohort in each week since the cohort week. ${COHORTS}`,
	sources: [{ file: 'retention_cohort_weeks', dimensions: ['country'] }],
	value: 'sum(watch_h)',
	build: cohortSql('watch_h'),
	drilldown: 'retention_cohort_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const retention_generations = {
	id: 'retention_generations',
	title: 'Generations retention by cohort week',
	unit: 'count',
	page: '/engagement',
	higherIsBetter: true,
	definition: `Generation requests the cohort’s users made themselves (purpose user; a request retried over several jobs counts once, on its first day), per week since the cohort week. ${COHORTS}`,
	sources: [{ file: 'retention_cohort_weeks', dimensions: ['country'] }],
	value: 'sum(generations)',
	build: cohortSql('generations'),
	drilldown: 'retention_cohort_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const retention_revenue = {
	id: 'retention_revenue',
	title: 'Revenue retention by cohort week',
	unit: 'usd',
	page: '/unit-economics',
	higherIsBetter: true,
	definition: `Revenue from the cohort’s users (recognized subscription revenue + ad revenue allocated to them pro rata to their impressions), per week since the cohort week. ${COHORTS}`,
	sources: [{ file: 'retention_cohort_weeks', dimensions: ['country'] }],
	value: 'sum(revenue)',
	build: cohortSql('revenue'),
	drilldown: 'retention_cohort_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const retention_compute_cost = {
	id: 'retention_compute_cost',
	title: 'Compute-cost retention by cohort week',
	unit: 'usd',
	page: '/unit-economics',
	higherIsBetter: false,
	definition: `Compute cost of the cohort’s own generation jobs (each job at its cluster-day cost per utilized GPU-hour, as in margin per GPU-hour), per week since the cohort week. ${COHORTS}`,
	sources: [{ file: 'retention_cohort_weeks', dimensions: ['country'] }],
	value: 'sum(cost)',
	build: cohortSql('cost'),
	drilldown: 'retention_cohort_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const retention_margin = {
	id: 'retention_margin',
	title: 'Margin retention by cohort week',
	unit: 'usd',
	page: '/unit-economics',
	higherIsBetter: true,
	definition: `Revenue − compute cost of the cohort’s own generations (the two retention metrics above), per week since the cohort week: does a cohort pay for itself as it ages? ${COHORTS}`,
	sources: [{ file: 'retention_cohort_weeks', dimensions: ['country'] }],
	value: 'sum(revenue) - sum(cost)',
	build: cohortSql('revenue - cost'),
	drilldown: 'retention_cohort_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

export const retentionOfMetrics = { retention_watch_hours, retention_generations, retention_revenue, retention_compute_cost, retention_margin } satisfies MetricTable;
