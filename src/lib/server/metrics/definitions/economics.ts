import type { MetricDefinition, MetricTable } from '../definition.js';

// Revenue and unit economics (execs, finance). Base rows: sql/metrics/revenue_daily.sql
// (subscription + allocated ads per user and plan) and unit_economics_daily.sql
// (revenue, allocated compute cost, GPU-hours and user-days per plan).

/** Days in an average month (365.25 / 12): "per user per month" divides by user-days / this. */
export const DAYS_PER_MONTH = 30.4375;
const USER_MONTHS = `nullIf(sum(user_day) / ${DAYS_PER_MONTH}, 0)`;

/**
 * Plan lines that are no users' plan: jobs of another purpose than 'user'
 * (job_plan_hours.sql names them by purpose), cluster-days with spend and no
 * jobs, ad revenue no user could be matched to (revenue_daily.sql), and the idle
 * capacity line of the `separate` idle policy (job_cost_policy.sql).
 */
export const SYSTEM_PLANS = ['feed_prefill', 'internal', 'eval', '(idle, no jobs)', '(idle)', '(unallocated)'] as const;
const SYSTEM_PLAN_LIST = SYSTEM_PLANS.map((p) => `'${p}'`).join(', ');
const FREE_SUBSIDY = "sumIf(cost - revenue, plan = 'free')";
const PAID_SURPLUS = `sumIf(revenue - cost, plan != 'free' AND plan NOT IN (${SYSTEM_PLAN_LIST}))`;

/**
 * Every unit-economics metric returns the same parts, so one query fills a
 * per-plan table row (Unit economics page) and the API, CSV and CLI give the
 * same figures as that table.
 */
const ECONOMICS_PARTS = {
	revenue_usd: 'sum(revenue)',
	subscription_usd: 'sum(subscription)',
	ads_usd: 'sum(ads)',
	compute_cost_usd: 'sum(cost)',
	margin_usd: 'sum(revenue) - sum(cost)',
	gpu_hours: 'sum(gpu_h)',
	user_days: 'sum(user_day)',
	users: 'uniqExactIf(user_id, user_day > 0)',
	arpu: `sum(revenue) / ${USER_MONTHS}`,
	compute_cost_per_user: `sum(cost) / ${USER_MONTHS}`,
	/** ARPU − compute cost per user: the same user-months divide both, so this is their difference exactly. */
	arpu_minus_cost: `(sum(revenue) - sum(cost)) / ${USER_MONTHS}`,
	gpu_hours_per_user_month: `sum(gpu_h) / ${USER_MONTHS}`,
	// The free tier's balance (Unit economics page): what free users' jobs cost
	// beyond the ads they watched, and how much of it the paid plans' own margin
	// covers. Summed over the plan lines the query sees: in a per-plan row they
	// are that plan's share (zero for the others).
	free_compute_cost_usd: "sumIf(cost, plan = 'free')",
	free_revenue_usd: "sumIf(revenue, plan = 'free')",
	/** Free users' compute − their ad revenue; negative when the free tier pays for itself. */
	free_tier_subsidy_usd: FREE_SUBSIDY,
	/** Revenue − compute of the paid plans (every user plan but free). */
	paid_surplus_usd: PAID_SURPLUS,
	/** Share of a positive subsidy that a positive paid surplus covers (at most 1); null otherwise. */
	paid_cover_of_subsidy: `if(${FREE_SUBSIDY} > 0 AND ${PAID_SURPLUS} > 0, least(1, ${PAID_SURPLUS} / ${FREE_SUBSIDY}), NULL)`,
	/** Compute charged to no user plan: feed pre-generation, internal and eval jobs, idle cluster-days. */
	system_compute_usd: `sumIf(cost, plan IN (${SYSTEM_PLAN_LIST}))`
} as const;

const WHAT_IF =
	' What-if knobs (Unit economics page) apply inside the same SQL: gpu_price_factor (rental and amortization), power_price_factor (electricity), free_quota_factor (free-plan user jobs\' GPU time; capacity flexes with demand, so spend moves by the hours removed at their cluster-day rate), utilization_target (where a cluster-day runs below it, spend shrinks by utilization / target).';

const FREE_TIER =
	' The free tier\'s balance comes with it: free_tier_subsidy_usd = compute allocated to free users\' jobs (free_compute_cost_usd) − the ad revenue allocated to them (free_revenue_usd); paid_surplus_usd = revenue − compute of the paid plans; paid_cover_of_subsidy = the share of a positive subsidy that a positive paid surplus covers (at most 1); system_compute_usd = compute charged to no user plan (' +
	SYSTEM_PLANS.join(', ') +
	').';

const ad_revenue = {
	id: 'ad_revenue',
	title: 'Ad revenue',
	unit: 'usd',
	page: '/revenue',
	higherIsBetter: true,
	definition:
		'Σ revenue_usd of the ad revenue file, by day (and country / platform where the file gives them; empty = all). Per plan: allocated to users pro rata to their human feed impressions that day (same country and platform when the row names them), the plan being the user\'s plan at the start of the day; ad rows without a matching impression stay "(unallocated)".',
	sources: [
		{ file: 'ad_revenue_daily', dimensions: ['country', 'platform'] },
		{ file: 'revenue_daily', dimensions: ['plan'] }
	],
	value: "sumIf(revenue_usd, source = 'ads')",
	drilldown: 'ad_revenue'
} satisfies MetricDefinition;

const revenue = {
	id: 'revenue',
	title: 'Revenue',
	unit: 'usd',
	page: '/',
	higherIsBetter: true,
	definition:
		'Recognized subscription revenue (Stripe: each paid invoice line spread evenly over its service period by day, net of discounts, excluding tax; refunds and credit notes subtracted on their day) + ad revenue (the ad revenue file). By plan: subscription revenue of the plan the line was for, plus ads allocated to the plan\'s users pro rata to their human impressions.',
	sources: [{ file: 'revenue_daily', dimensions: ['plan', 'source'] }],
	value: 'sum(revenue_usd)',
	components: {
		subscription_usd: "sumIf(revenue_usd, source = 'subscription')",
		ads_usd: "sumIf(revenue_usd, source = 'ads')"
	},
	drilldown: 'revenue_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const margin_per_gpu_hour = {
	id: 'margin_per_gpu_hour',
	title: 'Margin per GPU-hour',
	unit: 'usd_per_gpu_hour',
	page: '/',
	higherIsBetter: true,
	definition:
		'(Revenue − compute spend) / utilized GPU-hours for the period. Per plan: (revenue from users on that plan − compute allocated to their generation jobs) / their jobs\' GPU-hours; allocation charges each job at its cluster-day cost per utilized GPU-hour, so the plans\' costs add up to spend. Feed pre-generation, internal and eval jobs are their own lines (no revenue), as are cluster-days with spend and no jobs ("(idle, no jobs)"); ad revenue no user can be matched to is "(unallocated)".' +
		FREE_TIER +
		WHAT_IF,
	sources: [{ file: 'unit_economics_daily', dimensions: ['plan'] }],
	value: '(sum(revenue) - sum(cost)) / nullIf(sum(gpu_h), 0)',
	components: ECONOMICS_PARTS,
	drilldown: 'job_cost',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const gross_margin = {
	id: 'gross_margin',
	title: 'Gross margin',
	unit: 'ratio',
	page: '/',
	higherIsBetter: true,
	definition:
		'(Revenue − compute spend) / revenue. Per plan: (the plan\'s revenue − compute allocated to its users\' jobs) / the plan\'s revenue. Compute is the only cost counted (it is a compute margin, before staff and other costs).' +
		WHAT_IF,
	sources: [{ file: 'unit_economics_daily', dimensions: ['plan'] }],
	value: '(sum(revenue) - sum(cost)) / nullIf(sum(revenue), 0)',
	components: ECONOMICS_PARTS,
	drilldown: 'job_cost',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const arpu = {
	id: 'arpu',
	title: 'ARPU (per user per month)',
	unit: 'usd_per_user',
	page: '/unit-economics',
	higherIsBetter: true,
	definition: `Revenue / user-months: Σ revenue / (Σ user-days / ${DAYS_PER_MONTH}), i.e. average revenue per user per month (365.25 / 12 days), comparable across periods of any length. A user-day is a day a user had an account (signed up before it ended, not internal); their plan that day is the one at its start (no paid plan = free). users = distinct users with at least one such day.`,
	sources: [{ file: 'unit_economics_daily', dimensions: ['plan'] }],
	value: ECONOMICS_PARTS.arpu,
	components: ECONOMICS_PARTS,
	drilldown: 'revenue_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const compute_cost_per_user = {
	id: 'compute_cost_per_user',
	title: 'Compute cost per user (per month)',
	unit: 'usd_per_user',
	page: '/unit-economics',
	higherIsBetter: false,
	definition: `Compute allocated to the users' generation jobs / user-months: Σ allocated cost / (Σ user-days / ${DAYS_PER_MONTH}). Compare with ARPU on the same plan: the difference is what each user of the plan earns or costs per month, returned by every unit-economics metric as arpu_minus_cost (Σ revenue − Σ cost over the same user-months), beside gpu_hours_per_user_month (Σ GPU-hours of the users' jobs / user-months).${WHAT_IF}`,
	sources: [{ file: 'unit_economics_daily', dimensions: ['plan'] }],
	value: ECONOMICS_PARTS.compute_cost_per_user,
	components: ECONOMICS_PARTS,
	drilldown: 'job_cost',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/** The economics metrics, by id. */
export const economicsMetrics = { ad_revenue, revenue, margin_per_gpu_hour, gross_margin, arpu, compute_cost_per_user } satisfies MetricTable;
