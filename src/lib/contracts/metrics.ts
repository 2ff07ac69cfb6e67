import { z } from 'zod';
import { asOf } from './as-of.js';
import { mrrPolicy, mrrPolicyParams, type MrrPolicy } from './mrr-policy.js';

/** Metric ids: the API path, CLI argument and CSV file name. Each has one definition (src/lib/server/metrics/registry.ts). */
export const metricIds = [
	'compute_spend', 'provisioned_gpu_hours', 'utilized_gpu_hours', 'utilization', 'idle_cost', 'cost_per_gpu_hour',
	'dead_compute', 'subscription_revenue', 'ad_revenue', 'revenue', 'mrr', 'mrr_movements', 'margin_per_gpu_hour',
	'gross_margin', 'arpu', 'compute_cost_per_user', 'watch_hours', 'attention_to_compute', 'attention_to_compute_cohort',
	'satisfaction_rate', 'negative_rate', 'rapid_skip_rate', 'return_rate', 'feed_diversity', 'creator_concentration',
	'near_duplicate_share', 'remix_depth', 'novelty', 'divergence', 'long_session_share', 'late_night_share',
	'autoplay_share', 'ai_mix', 'cameo_unconsented_share', 'copyright_share', 'slop_index',
	// Engagement page figures beyond the specified list: DAU/WAU/MAU and stickiness, sessions
	// (with sessions and watch time per user), retention by signup week.
	'active_users', 'sessions', 'retention',
	// Retention of any additive metric by signup week (docs/product.md).
	'retention_watch_hours', 'retention_generations', 'retention_revenue', 'retention_compute_cost', 'retention_margin',
	// Finance depth (docs/finance.md): cost per unit of output, provider-invoice and budget variance.
	'cost_per_output_second', 'cost_per_clip', 'compute_invoice_variance', 'budget_variance',
	// Finance depth, budgets and forecast (docs/finance.md "Forecast and break-even").
	'budget_forecast', 'break_even_outlook',
	// Finance depth, revenue side (docs/finance.md): recognized revenue vs Stripe invoiced and collected.
	'revenue_reconciliation',
	// Consent history and ad revenue per video (docs/product.md).
	'video_ad_revenue'
] as const;
export const metricId = z.enum(metricIds, { message: `metric must be one of: ${metricIds.join(', ')}` });
export type MetricId = z.infer<typeof metricId>;

export const grains = ['day', 'week', 'month', 'total'] as const;
export const grain = z.enum(grains, { message: `grain must be one of: ${grains.join(', ')}` });
export type Grain = z.infer<typeof grain>;

/**
 * Everything a metric may be grouped or filtered by. Each metric declares the
 * subset it supports; the names double as column names in metric SQL, which is
 * why they come from this enum and never from free text.
 */
export const dimensions = [
	'plan', 'cluster', 'gpu_type', 'ownership', 'cost_component', 'purpose', 'model', 'resolution', 'status',
	'dead_reason', 'rec_arm', 'feed_mode', 'country', 'platform', 'surface', 'creator_kind', 'source', 'movement',
	'cohort', 'budget_line',
	// A video's creator (creator_id): ad revenue per creator (video_ad_revenue).
	'creator'
] as const;
export const dimension = z.enum(dimensions, { message: `dimension must be one of: ${dimensions.join(', ')}` });
export type Dimension = z.infer<typeof dimension>;

/**
 * The pages a metric can belong to. A metric's page decides who may read it
 * (src/lib/server/auth/access.ts gives each page its roles): the API, CSV and
 * drill-down of a metric follow the roles of its page.
 */
export const metricPages = ['/', '/compute', '/revenue', '/engagement', '/feed-health', '/unit-economics'] as const;
export type MetricPage = (typeof metricPages)[number];

export const units = ['usd', 'usd_per_gpu_hour', 'usd_per_user', 'hours', 'gpu_hours', 'ratio', 'count', 'index', 'depth', 'hours_per_user', 'hours_per_gpu_hour', 'usd_per_output_second', 'usd_per_clip', 'days'] as const;
export const unit = z.enum(units);
export type Unit = z.infer<typeof unit>;

const isoDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-10-01')
	.refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date');

/** What-if knobs (Unit economics page); each a multiplier or target applied inside the same metric SQL. */
export const whatIf = z
	.object({
		gpu_price_factor: z.number().min(0).max(5).default(1),
		power_price_factor: z.number().min(0).max(5).default(1),
		free_quota_factor: z.number().min(0).max(5).default(1),
		utilization_target: z.number().gt(0).max(1).optional()
	})
	.strict();
export type WhatIf = z.infer<typeof whatIf>;

/**
 * Who carries idle GPU capacity (docs/metrics.md "Finance depth"): `by_use` spreads a
 * cluster-day's idle cost over its jobs by GPU-hours (allocated cost adds up to
 * spend), `separate` leaves it a line of its own, `even` splits it equally among
 * the plans and purposes that used the cluster that day. Spend never changes.
 */
export const idlePolicies = ['by_use', 'separate', 'even'] as const;
export const idlePolicy = z.enum(idlePolicies, { message: `idle_policy must be one of: ${idlePolicies.join(', ')}` });
export type IdlePolicy = z.infer<typeof idlePolicy>;

/** Each policy in a sentence, for the glossary and the pages that let the user switch. */
export const idlePolicyInfo: Record<IdlePolicy, { label: string; says: string }> = {
	by_use: { label: 'By use', says: 'idle capacity of each cluster-day is spread over its jobs in proportion to their GPU-hours (allocated cost adds up to spend)' },
	separate: {
		label: 'Separate',
		says: 'jobs carry only the provisioned hourly cost of the hours they used; idle capacity is its own line, "(idle)", charged to no plan'
	},
	even: {
		label: 'Even',
		says: "jobs carry the provisioned hourly cost, and each cluster-day's idle cost is split in equal shares among the plans and purposes that ran jobs on it"
	}
};

/**
 * What a retention cohort is (docs/product.md "Retention of any metric"): the Monday (UTC)
 * of the week a user signed up, or of the week of their first paid Stripe invoice
 * (status paid, lines net of discounts and tax > 0: a $0 trial or fully discounted
 * invoice does not count; paid_at, else the line period start).
 */
export const cohortBases = ['signup_week', 'first_paid_week'] as const;
export const cohortBy = z.enum(cohortBases, { message: `cohort_by must be one of: ${cohortBases.join(', ')}` });
export type CohortBy = z.infer<typeof cohortBy>;

/** Each cohort basis in a sentence, for the glossary and the Engagement page's switch. */
export const cohortByInfo: Record<CohortBy, { label: string; says: string }> = {
	signup_week: { label: 'Signup week', says: 'users who signed up in the period, by the Monday (UTC) of their signup week' },
	first_paid_week: {
		label: 'First-paid week',
		says: 'users whose first paid Stripe invoice (status paid, lines net of discounts and tax above $0, so a free trial or a 100 % coupon does not count) was paid in the period, by the Monday (UTC) of that week; week 0 is that week, and activity before it is not counted'
	}
};

export const metricRequest = z
	.object({
		metric: metricId,
		from: isoDate,
		to: isoDate,
		grain: grain.default('day'),
		group_by: z.array(dimension).max(3, 'at most 3 group-by dimensions').default([]),
		filters: z.partialRecord(dimension, z.array(z.string().max(200)).min(1).max(200)).default({}),
		what_if: whatIf.optional(),
		/** MRR source and revenue policies (mrr, mrr_movements); unset knobs take the configured default. */
		mrr: mrrPolicy.optional(),
		/** Absent: the configured default (LOOPMETER_IDLE_POLICY, else by_use). */
		idle_policy: idlePolicy.optional(),
		/** Cohort metrics (retention_*): absent = signup_week. */
		cohort_by: cohortBy.optional(),
		/** Fleet and price-sheet rows as loaded by this instant (contracts/as-of.ts); absent: the latest loads. */
		as_of: asOf.optional()
	})
	.refine((r) => r.from < r.to, { message: 'must be after from (periods are half-open [from, to))', path: ['to'] })
	.refine((r) => new Set(r.group_by).size === r.group_by.length, { message: 'repeats a dimension', path: ['group_by'] });
export type MetricRequest = z.infer<typeof metricRequest>;
export type MetricRequestInput = z.input<typeof metricRequest>;

export const metricRow = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));
export type MetricRow = z.infer<typeof metricRow>;

/** The JSON shape of a metric answer (API, CLI); values are never rounded here. */
export const metricResponse = z.object({
	metric: metricId,
	unit,
	from: z.string(),
	to: z.string(),
	grain,
	group_by: z.array(dimension),
	/** Present when the figures depend on the idle-sharing policy: the one they were computed with. */
	idle_policy: idlePolicy.optional(),
	/** Present on cohort metrics: what a cohort is in these rows. */
	cohort_by: cohortBy.optional(),
	/** Present when asked: the instant whose loads of fleet and price-sheet rows the figures are computed from. */
	as_of: z.string().optional(),
	rows: z.array(metricRow)
});
export type MetricResponse = z.infer<typeof metricResponse>;

/** Query-string form: ?from=&to=&grain=&by=a,b&<dimension>=v1,v2&what_if.gpu_price_factor=0.8&idle_policy=even&cohort_by=first_paid_week&as_of=2026-11-05 */
export function requestFromSearchParams(metric: string, sp: URLSearchParams): MetricRequestInput {
	const list = (v: string | null) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
	const filters: Record<string, string[]> = {};
	const wi: Record<string, number> = {};
	for (const [k, v] of sp) {
		if ((dimensions as readonly string[]).includes(k)) filters[k] = list(v) ?? [];
		else if (k.startsWith('what_if.')) wi[k.slice(8)] = Number(v);
	}
	const mrr: Record<string, string> = {};
	for (const [knob, name] of Object.entries(mrrPolicyParams)) if (sp.get(name)) mrr[knob] = sp.get(name)!;
	return {
		metric: metric as MetricId,
		from: sp.get('from') ?? '',
		to: sp.get('to') ?? '',
		grain: (sp.get('grain') ?? undefined) as Grain | undefined,
		group_by: list(sp.get('by')) as Dimension[] | undefined,
		filters,
		what_if: Object.keys(wi).length ? (wi as WhatIf) : undefined,
		mrr: Object.keys(mrr).length ? (mrr as MrrPolicy) : undefined,
		idle_policy: (sp.get('idle_policy') || undefined) as IdlePolicy | undefined,
		cohort_by: (sp.get('cohort_by') || undefined) as CohortBy | undefined,
		as_of: sp.get('as_of') || undefined
	};
}

export function searchParamsFromRequest(r: MetricRequestInput): URLSearchParams {
	const sp = new URLSearchParams({ from: r.from, to: r.to });
	if (r.grain) sp.set('grain', r.grain);
	if (r.group_by?.length) sp.set('by', r.group_by.join(','));
	for (const [k, v] of Object.entries(r.filters ?? {})) if (v?.length) sp.set(k, v.join(','));
	for (const [k, v] of Object.entries(r.what_if ?? {})) if (v !== undefined) sp.set(`what_if.${k}`, String(v));
	for (const [k, v] of Object.entries(r.mrr ?? {})) if (v) sp.set(mrrPolicyParams[k as keyof MrrPolicy], v);
	if (r.idle_policy) sp.set('idle_policy', r.idle_policy);
	if (r.cohort_by) sp.set('cohort_by', r.cohort_by);
	if (r.as_of) sp.set('as_of', r.as_of);
	return sp;
}

/** "from: must be a date like 2026-10-01" — the first problem, naming the field. */
export function describeZodError(error: z.ZodError): string {
	const issue = error.issues[0]!;
	const field = issue.path.length ? issue.path.join('.') : 'request';
	return `${field}: ${issue.message}`;
}
