import { resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { metricPanel, metricTile, metricHeadings } from '$lib/server/pages/panel';
import { IMPRESSION_FILTERS } from '$lib/server/pages/impression-filters';
import { comparisonTable, firstSeen, wholePeriodStart } from '$lib/server/pages/engagement-panels';
import { armPeriodsPanel } from '$lib/server/experiments/panel';
import { daysBetween, metricInput } from '$lib/url-state';
import { cohortBases, cohortByInfo, type CohortBy, type Dimension, type MetricId } from '$lib/contracts/metrics';
import type { PageServerLoad } from './$types';

const BREAKDOWNS = ['country', 'platform', 'plan'] as const satisfies readonly Dimension[];

/** Retention of any metric: which measure (?retain=) and which ratio (?per=) the cohort triangle shows. */
const RETAINED = {
	activity: 'retention',
	watch_hours: 'retention_watch_hours',
	generations: 'retention_generations',
	revenue: 'retention_revenue',
	compute_cost: 'retention_compute_cost',
	margin: 'retention_margin'
} as const satisfies Record<string, MetricId>;
const PER = ['value', 'per_cohort_user', 'per_retained_user'] as const;
type Breakdown = (typeof BREAKDOWNS)[number];

/**
 * The cohort triangle asked for. Activity by signup week is the `retention` metric; by
 * first-paid week it is the retained share of the retention-of-a-metric rows (the
 * same cohorts as the other measures), since `retention` has signup cohorts only.
 */
function retentionPanel(retain: keyof typeof RETAINED, cohort: CohortBy, state: { from: string; to: string; filters: Partial<Record<Dimension, string[]>> }) {
	const metric = retain === 'activity' && cohort !== 'signup_week' ? RETAINED.watch_hours : RETAINED[retain];
	return metricPanel({ metric, from: state.from, to: state.to, grain: 'total', filters: state.filters, ...(metric === 'retention' ? {} : { cohort_by: cohort }) });
}

/** Engagement (product): activity, attention and satisfaction, by arm, with cohorts and breakdowns. Panels stream in. */
export const load: PageServerLoad = async ({ url }) => {
	// Half a year by default: a recommender rollout mid-way needs its before and after on screen.
	const ps = await resolvePageState(url, { days: 182, grain: 'week' });
	const { state } = ps;
	const asked = url.searchParams.get('breakdown');
	const breakdown: Breakdown = (BREAKDOWNS as readonly string[]).includes(asked ?? '') ? (asked as Breakdown) : 'country';
	const retainAsked = url.searchParams.get('retain') ?? '';
	const retain = (retainAsked in RETAINED ? retainAsked : 'activity') as keyof typeof RETAINED;
	const perAsked = url.searchParams.get('per') ?? '';
	const per = (PER as readonly string[]).includes(perAsked) ? (perAsked as (typeof PER)[number]) : 'per_cohort_user';
	const cohortAsked = url.searchParams.get('cohort') ?? '';
	const cohort: CohortBy = (cohortBases as readonly string[]).includes(cohortAsked) ? (cohortAsked as CohortBy) : 'signup_week';
	const trendPeriod = wholePeriodStart(state);
	const trend = (metric: Parameters<typeof metricInput>[1], by: Dimension[] = ['rec_arm']) => metricPanel(metricInput(state, metric, { group_by: by, period: trendPeriod }));
	const daily = (metric: Parameters<typeof metricInput>[1]) => metricPanel(metricInput(state, metric, { grain: 'day' }));
	const arms = firstSeen('rec_arm').then((r) => r.slice(1).map((a) => ({ date: a.first, label: `${a.value} first served` })));
	return {
		...ps,
		headings: metricHeadings(),
		breakdown,
		breakdowns: BREAKDOWNS,
		retain,
		retainChoices: Object.keys(RETAINED) as (keyof typeof RETAINED)[],
		per,
		perChoices: PER,
		cohort,
		cohortChoices: cohortBases.map((id) => ({ id, ...cohortByInfo[id] })),
		options: await filterOptions(IMPRESSION_FILTERS),
		tiles: {
			active_users: metricTile('active_users', state),
			watch_hours: metricTile('watch_hours', state),
			sessions: metricTile('sessions', state),
			satisfaction_rate: metricTile('satisfaction_rate', state),
			negative_rate: metricTile('negative_rate', state),
			return_rate: metricTile('return_rate', state)
		},
		markers: arms,
		charts: {
			active: daily('active_users'),
			watch: trend('watch_hours'),
			sessions: trend('sessions'),
			satisfaction: trend('satisfaction_rate'),
			negative: trend('negative_rate'),
			rapidSkip: trend('rapid_skip_rate'),
			returnRate: trend('return_rate'),
			// The table by arm: intervals clustered by user and verdicts guarded, as in the experiment readout.
			satisfactionByArm: armPeriodsPanel('satisfaction_rate', 'rec_arm', { ...trendPeriod, grain: state.grain, filters: state.filters }),
			retention: retentionPanel(retain, cohort, state)
		},
		breakdownTable: comparisonTable(
			state,
			breakdown,
			[
				{ metric: 'active_users', label: 'Avg DAU' },
				{ metric: 'watch_hours', label: 'Watch-hours' },
				{ metric: 'satisfaction_rate', label: 'Satisfaction / imp.' },
				{ metric: 'negative_rate', label: 'Negative / imp.' },
				{ metric: 'rapid_skip_rate', label: 'Rapid skips' },
				{ metric: 'return_rate', label: 'Return rate' }
			],
			daysBetween(state.from, state.to)
		)
	};
};
