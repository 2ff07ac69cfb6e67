import { idlePolicy, whatIf, type IdlePolicy, type MetricId, type MetricRequestInput, type WhatIf } from '$lib/contracts/metrics';
import { readConfig } from '$lib/server/config';
import { metricHeadings, metricPanel, metricTile } from '$lib/server/pages/panel';
import { DAYS_PER_MONTH, SYSTEM_PLANS } from '$lib/server/metrics/definitions/economics';
import { resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { metricInput } from '$lib/url-state';
import { breakEvenPanels } from '$lib/server/pages/finance-outlook';
import { closedMonthNotesFor, readAsOf } from '$lib/server/pages/as-of';
import type { MetricPanel } from '$lib/panel';
import type { PageServerLoad } from './$types';

/** Knobs as they appear in the URL: ?what_if.gpu_price_factor=0.8 … (the API's names). */
const KNOBS = ['gpu_price_factor', 'power_price_factor', 'free_quota_factor', 'utilization_target'] as const;

function readWhatIf(sp: URLSearchParams): { whatIf: WhatIf | null; problems: string[] } {
	const raw: Record<string, number> = {};
	for (const k of KNOBS) {
		const v = sp.get(`what_if.${k}`);
		// utilization_target 0 means "off" on the slider; the contract wants it absent.
		if (v !== null && v !== '' && !(k === 'utilization_target' && Number(v) === 0)) raw[k] = Number(v);
	}
	if (!Object.keys(raw).length) return { whatIf: null, problems: [] };
	const parsed = whatIf.safeParse(raw);
	if (!parsed.success) return { whatIf: null, problems: parsed.error.issues.map((i) => `what_if.${i.path.join('.')}: ${i.message}`) };
	return { whatIf: parsed.data, problems: [] };
}

/** ?idle_policy=separate: who carries idle capacity in the per-plan figures (absent: the configured default). */
function readIdlePolicy(sp: URLSearchParams): { chosen: IdlePolicy | undefined; shown: IdlePolicy; configured: IdlePolicy; problems: string[] } {
	const configured = readConfig().LOOPMETER_IDLE_POLICY;
	const raw = sp.get('idle_policy');
	if (!raw) return { chosen: undefined, shown: configured, configured, problems: [] };
	const parsed = idlePolicy.safeParse(raw);
	if (!parsed.success) return { chosen: undefined, shown: configured, configured, problems: [parsed.error.issues[0]!.message] };
	return { chosen: parsed.data, shown: parsed.data, configured, problems: [] };
}

/**
 * One row per plan: every unit-economics metric returns the same parts (ARPU,
 * compute cost per user, their difference, GPU-hours per user-month…), so the
 * plan-grouped margin per GPU-hour is the whole table, as the API and CSV give it.
 */
async function planTable(margin: Promise<MetricPanel>) {
	const p = await margin;
	if (!p.ok) return { ok: false as const, error: p.error };
	const rows = p.response.rows.map((r) => ({
		plan: r.plan,
		users: r.users,
		arpu: r.arpu,
		compute_cost_per_user: r.compute_cost_per_user,
		arpu_minus_cost: r.arpu_minus_cost,
		margin_per_gpu_hour: r.value,
		gpu_hours_per_user_month: r.gpu_hours_per_user_month,
		revenue_usd: r.revenue_usd,
		compute_cost_usd: r.compute_cost_usd,
		margin_usd: r.margin_usd,
		gpu_hours: r.gpu_hours
	}));
	return { ok: true as const, rows, metas: [p.meta] };
}

export const load: PageServerLoad = async ({ url }) => {
	const ps = await resolvePageState(url, { grain: 'week' });
	const { state } = ps;
	const wi = readWhatIf(url.searchParams);
	const idle = readIdlePolicy(url.searchParams);
	// ?as_of=: every figure of the page as reported then (fleet and price-sheet rows as loaded by that moment).
	const { asOf: as_of, problems: asOfProblems } = readAsOf(url.searchParams);
	const panel = (input: MetricRequestInput) => metricPanel({ ...input, as_of });
	const tile = (id: MetricId) => metricTile(id, state, { asOf: as_of });
	// Only per-plan figures depend on the policy; totals are the same under each (spend never moves).
	const idle_policy = idle.chosen;
	const byPlan = (metric: 'margin_per_gpu_hour' | 'arpu' | 'compute_cost_per_user', what_if?: WhatIf) =>
		panel({ ...metricInput(state, metric, { grain: 'total', group_by: ['plan'] }), what_if, idle_policy } as MetricRequestInput);
	const unitCost = (metric: 'cost_per_output_second' | 'cost_per_clip', what_if?: WhatIf) =>
		panel({ ...metricInput(state, metric, { grain: 'total' }), what_if } as MetricRequestInput);
	const totalOf = (metric: 'margin_per_gpu_hour' | 'gross_margin', what_if?: WhatIf) =>
		panel({ ...metricInput(state, metric, { grain: 'total' }), what_if } as MetricRequestInput);
	const scenario = wi.whatIf ?? undefined;
	const options = await filterOptions([{ dim: 'plan', label: 'Plan' }]);
	// Per-user charts show user plans only (system jobs have no users), unless the page filters plans itself.
	const userPlans = state.filters.plan ?? options[0]?.values ?? [];

	return {
		...ps,
		problems: [...ps.problems, ...wi.problems, ...idle.problems, ...asOfProblems],
		asOf: as_of ?? null,
		// Each closed month the period covers: reported at close beside the restatement since (none when shown as of a moment).
		closedMonths: closedMonthNotesFor(state, url, as_of),
		whatIf: wi.whatIf,
		daysPerMonth: DAYS_PER_MONTH,
		systemPlans: [...SYSTEM_PLANS] as string[],
		headings: metricHeadings(),
		idlePolicy: { shown: idle.shown, configured: idle.configured },
		options,
		tiles: {
			arpu: tile('arpu'),
			compute_cost_per_user: tile('compute_cost_per_user'),
			margin_per_gpu_hour: tile('margin_per_gpu_hour'),
			gross_margin: tile('gross_margin'),
			attention_to_compute: tile('attention_to_compute'),
			attention_to_compute_cohort: tile('attention_to_compute_cohort'),
			cost_per_output_second: tile('cost_per_output_second'),
			cost_per_clip: tile('cost_per_clip')
		},
		plans: planTable(byPlan('margin_per_gpu_hour')),
		// As of the period's end, from the weeks before it (docs/finance.md "Forecast and break-even").
		breakEven: breakEvenPanels(state, { as_of }),
		// The free tier's balance: components of the period's total, as the API and CLI return them (they follow the idle policy).
		freeTier: panel({ ...metricInput(state, 'margin_per_gpu_hour', { grain: 'total' }), idle_policy } as MetricRequestInput),
		charts: {
			arpuByPlan: panel(metricInput(state, 'arpu', { group_by: ['plan'], filters: userPlans.length ? { plan: userPlans } : {} })),
			costByPlan: panel({
				...metricInput(state, 'compute_cost_per_user', { group_by: ['plan'], filters: userPlans.length ? { plan: userPlans } : {} }),
				idle_policy
			}),
			costPerOutputSecondByModel: panel(metricInput(state, 'cost_per_output_second', { grain: 'total', group_by: ['model', 'resolution'] })),
			acr: panel(metricInput(state, 'attention_to_compute')),
			acrCohort: panel(metricInput(state, 'attention_to_compute_cohort'))
		},
		scenario: scenario
			? {
					margin: { actual: totalOf('margin_per_gpu_hour'), whatIf: totalOf('margin_per_gpu_hour', scenario) },
					gross: { actual: totalOf('gross_margin'), whatIf: totalOf('gross_margin', scenario) },
					unitCost: {
						perSecond: { actual: unitCost('cost_per_output_second'), whatIf: unitCost('cost_per_output_second', scenario) },
						perClip: { actual: unitCost('cost_per_clip'), whatIf: unitCost('cost_per_clip', scenario) }
					},
					plans: { actual: byPlan('margin_per_gpu_hour'), whatIf: byPlan('margin_per_gpu_hour', scenario) },
					trend: {
						actual: panel(metricInput(state, 'margin_per_gpu_hour')),
						whatIf: panel({ ...metricInput(state, 'margin_per_gpu_hour'), what_if: scenario } as MetricRequestInput)
					}
				}
			: null
	};
};
