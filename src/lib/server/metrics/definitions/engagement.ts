import type { Dimension } from '../../../contracts/metrics.js';
import type { MetricDefinition, MetricTable } from '../definition.js';
import { groupKeys, groupOrder, inPeriod, periodSelect, ratioInterval, wilson } from '../engagement-sql.js';
import { filterClause } from '../build-query.js';

// Engagement (product). Base rows: sql/metrics/engagement_*.sql. Every figure
// counts human impressions only (is_internal excluded) and days are UTC.

/** Dimensions of an impression every engagement base carries. */
export const IMPRESSION_DIMS = ['rec_arm', 'feed_mode', 'country', 'platform', 'surface', 'plan'] as const satisfies readonly Dimension[];

/** The daily rollup (migration 0050) serves every request without `plan`; by plan, the per-user-day rollup (0052). */
export const ROLLUP_DIMS = ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] as const satisfies readonly Dimension[];

const daily = [
	{ file: 'rollup_engagement_daily', dimensions: ROLLUP_DIMS },
	{ file: 'engagement_daily', dimensions: IMPRESSION_DIMS }
];

const satisfaction_rate = {
	id: 'satisfaction_rate',
	title: 'Satisfaction per impression',
	unit: 'ratio',
	page: '/engagement',
	higherIsBetter: true,
	definition:
		'(likes + shares + follows + comments) / impressions, human impressions only. An impression with a like and a share counts 2, so this is actions per impression. ci_low/ci_high: 95 % ratio-estimator (delta-method) interval treating impressions as independent; impressions of one user are correlated, so read it as a lower bound on the noise.',
	sources: daily,
	value: 'sum(pos) / nullIf(sum(imps), 0)',
	components: {
		positive_actions: 'sum(pos)',
		impressions: 'sum(imps)',
		...ratioInterval({ y: 'sum(pos)', x: 'sum(imps)', yy: 'sum(pos_sq)', xy: 'sum(pos)', xx: 'sum(imps)' })
	},
	drilldown: 'engagement_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const negative_rate = {
	id: 'negative_rate',
	title: 'Negative signals per impression',
	unit: 'ratio',
	page: '/engagement',
	higherIsBetter: false,
	definition:
		'(not_interested + reports) / impressions, human impressions only (an impression with both counts 2). ci_low/ci_high: 95 % ratio-estimator interval over impressions.',
	sources: daily,
	value: 'sum(neg) / nullIf(sum(imps), 0)',
	components: {
		negative_actions: 'sum(neg)',
		impressions: 'sum(imps)',
		...ratioInterval({ y: 'sum(neg)', x: 'sum(imps)', yy: 'sum(neg_sq)', xy: 'sum(neg)', xx: 'sum(imps)' })
	},
	drilldown: 'engagement_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const rapid_skip_rate = {
	id: 'rapid_skip_rate',
	title: 'Rapid-skip rate',
	unit: 'ratio',
	page: '/engagement',
	higherIsBetter: false,
	definition:
		'Impressions watched less than 2 s or less than 10 % of the video duration / impressions, human impressions only. ci_low/ci_high: 95 % Wilson score interval.',
	sources: daily,
	value: 'sum(skips) / nullIf(sum(imps), 0)',
	components: { rapid_skips: 'sum(skips)', impressions: 'sum(imps)', ...wilson('sum(skips)', 'sum(imps)') },
	drilldown: 'engagement_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const return_rate = {
	id: 'return_rate',
	title: 'Return rate (7 days)',
	unit: 'ratio',
	page: '/engagement',
	higherIsBetter: true,
	definition:
		'Share of users active on day D (a human impression) who are active again on any of D+1..D+7, over user-days. Days whose D+7 is after the last day with data are left out (their return is not yet observable). Grouped by arm or mode, a user-day belongs to each arm/mode the user saw that day; the return may be on any arm. ci_low/ci_high: 95 % Wilson score interval over user-days.',
	sources: [{ file: 'engagement_user_days', dimensions: IMPRESSION_DIMS }],
	value: 'uniqExactIf((user_id, day), returned AND complete) / nullIf(uniqExactIf((user_id, day), complete), 0)',
	components: {
		returning_user_days: 'uniqExactIf((user_id, day), returned AND complete)',
		user_days: 'uniqExactIf((user_id, day), complete)',
		...wilson('uniqExactIf((user_id, day), returned AND complete)', 'uniqExactIf((user_id, day), complete)')
	},
	drilldown: 'engagement_user_days',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const sessions = {
	id: 'sessions',
	title: 'Sessions',
	unit: 'count',
	page: '/engagement',
	higherIsBetter: true,
	definition:
		'Human sessions, each on the UTC day of its first impression (a session crossing midnight counts once, on the day it started) and with the arm, mode, country, platform and surface of that impression. Components: distinct users, sessions per user, watch-hours per user (watch time of those sessions / users) and mean session length in minutes (end of the last impression − start of the first).',
	sources: [{ file: 'engagement_sessions', dimensions: IMPRESSION_DIMS }],
	value: 'count()',
	components: {
		users: 'uniqExact(user_id)',
		sessions_per_user: 'count() / nullIf(uniqExact(user_id), 0)',
		watch_hours: 'sum(watch_h)',
		watch_hours_per_user: 'sum(watch_h) / nullIf(uniqExact(user_id), 0)',
		mean_session_min: 'avg(duration_min)'
	},
	drilldown: 'engagement_sessions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const active_users = {
	id: 'active_users',
	title: 'Active users (DAU, WAU, MAU)',
	unit: 'count',
	page: '/engagement',
	higherIsBetter: true,
	definition:
		'Per UTC day: DAU = distinct users with a human impression that day; WAU = distinct users in the 7 days ending that day; MAU = in the 28 days ending that day; stickiness = DAU / MAU. At week, month or total grain each is the average of its daily values. value = DAU. Windows reach back 27 days before the period, so the first 27 days of data under-count WAU/MAU.',
	sources: [{ file: 'engagement_active_users', dimensions: IMPRESSION_DIMS }],
	value: 'avg(dau_d)',
	build: (req, ctx) => {
		const dims = req.group_by as string[];
		const d = dims.map((x) => `, ${x}`).join('');
		const keys = groupKeys(req);
		const select = [...periodSelect(req), ...dims, 'avg(dau_d) AS value', 'avg(wau_d) AS wau', 'avg(mau_d) AS mau', 'avg(dau_d / nullIf(mau_d, 0)) AS stickiness'];
		const sql = `SELECT ${select.join(', ')}
FROM (
	SELECT d + off AS day${d},
		uniqExactMergeIf(users, off = 0) AS dau_d,
		uniqExactMergeIf(users, off < 7) AS wau_d,
		uniqExactMerge(users) AS mau_d
	FROM (
		SELECT day AS d${d}, uniqExactState(user_id) AS users
		FROM (
${ctx.sql('engagement_active_users')}
		) AS base
		WHERE 1${filterClause(req)}
		GROUP BY d${d}
	)
	ARRAY JOIN range(28) AS off
	GROUP BY day${d}
)
WHERE day >= {from:Date} AND day < {to:Date}${groupOrder(keys)}`;
		return { file: 'sql/metrics/engagement_active_users.sql', sql };
	},
	drilldown: 'engagement_user_days',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const retention = {
	id: 'retention',
	title: 'Retention by signup week',
	unit: 'ratio',
	page: '/engagement',
	higherIsBetter: true,
	definition:
		'For users who signed up in the period (internal accounts excluded), grouped by signup week (cohort = that Monday, UTC): share of the cohort active (a human impression) in week k after the cohort start, week 0 being the signup week. Rows: cohort, week, cohort_users, active_users, value, 95 % Wilson interval. Grain is ignored: the rows are the cohort triangle. A week appears only once observed whole.',
	sources: [{ file: 'engagement_retention', dimensions: ['country'] }],
	value: 'sum(active) / nullIf(sum(users), 0)',
	build: (req, ctx) => {
		const dims = req.group_by as string[];
		const keys = ['cohort', 'week', ...dims];
		const select = [
			'cohort',
			'week',
			...dims,
			'sum(active) / nullIf(sum(users), 0) AS value',
			'sum(users) AS cohort_users',
			'sum(active) AS active_users',
			...Object.entries(wilson('sum(active)', 'sum(users)')).map(([k, e]) => `${e} AS ${k}`)
		];
		const sql = `SELECT ${select.join(', ')}
FROM (
${ctx.sql('engagement_retention')}
) AS base
WHERE 1${filterClause(req)}${groupOrder(keys)}`;
		return { file: 'sql/metrics/engagement_retention.sql', sql };
	},
	drilldown: 'engagement_retention_users',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/** The engagement metrics, by id. */
export const engagementMetrics = { satisfaction_rate, negative_rate, rapid_skip_rate, return_rate, sessions, active_users, retention } satisfies MetricTable;
