import type { Dimension, MetricRequest } from '../../../contracts/metrics.js';
import type { BaseSource, BuildContext, MetricDefinition, MetricTable } from '../definition.js';
import { filterClause, MetricRequestError, requestedDimensions } from '../build-query.js';
import { groupKeys, groupOrder, inPeriod, meanInterval, periodSelect, ratioInterval, wilson } from '../engagement-sql.js';
import { IMPRESSION_DIMS } from './engagement.js';

// Slop-degeneration indicators (product, execs). Base rows:
// sql/metrics/slop_*.sql (video-based) and engagement_*.sql (time-based). Human
// impressions only; impressions of videos missing from `videos` are left out of
// the video-based indicators.

/** Video-based indicators also split by the kind of creator of the video shown. */
export const VIDEO_DIMS = [...IMPRESSION_DIMS, 'creator_kind'] as const satisfies readonly Dimension[];

/**
 * What the per day × video sums (relation slop_video_days, rollup
 * video_impressions_daily, migration 0043) can serve: the impression
 * dimensions they keep, and the video's own facts joined at read time.
 */
export const VIDEO_DAY_DIMS = ['rec_arm', 'feed_mode', 'creator_kind'] as const satisfies readonly Dimension[];

/** The first source of a `build` metric that supports every dimension the request uses. */
function sourceFor(req: MetricRequest, sources: readonly BaseSource[]): string {
	const wanted = requestedDimensions(req);
	const source = sources.find((s) => wanted.every((d) => s.dimensions.includes(d)));
	if (!source) throw new MetricRequestError('by', `${req.metric} has no source for ${wanted.join(', ')}`);
	return source.file;
}

const feed_diversity = {
	id: 'feed_diversity',
	title: 'Feed diversity',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: true,
	definition:
		'Normalized Shannon entropy of the topics a user was shown in a day, averaged over user-days: H / ln(min(K, n)) with H = −Σ p_t ln p_t over topics, n the user-day’s impressions and K the number of distinct topics in the catalogue (1 = as varied as that many impressions allow). User-days with one impression are left out. Grouped by arm or mode, a user-day is split per arm/mode. ci_low/ci_high: 95 % normal interval of the mean over user-days.',
	sources: [{ file: 'slop_diversity_user_days', dimensions: IMPRESSION_DIMS }],
	value: 'avg(diversity)',
	components: { user_days: 'count(diversity)', ...meanInterval('diversity') },
	drilldown: 'slop_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const CREATOR_SOURCES: readonly BaseSource[] = [
	{ file: 'slop_creator_days', dimensions: VIDEO_DAY_DIMS },
	{ file: 'slop_creator_impressions', dimensions: VIDEO_DIMS }
];

const creator_concentration = {
	id: 'creator_concentration',
	title: 'Creator concentration (HHI)',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Herfindahl–Hirschman index of human impressions by creator in the period: Σ s_c², s_c = creator c’s share of impressions (1 = one creator gets everything, 1/N = N creators equally). top1pct_share: share of impressions going to the top 1 % of creators seen in the period (at least one creator). Not a sum of days: computed over the whole period and group.',
	sources: CREATOR_SOURCES,
	value: 'sum(s * s)',
	build: (req, ctx) => {
		const file = sourceFor(req, CREATOR_SOURCES);
		const dims = req.group_by as string[];
		const keys = groupKeys(req);
		const partition = keys.length ? `PARTITION BY ${keys.join(', ')}` : '';
		const sql = `SELECT ${[...keys, 'sum(s * s) AS value', 'sum(s * s) AS hhi', 'sumIf(s, rk <= ceil(n_creators * 0.01)) AS top1pct_share', 'any(n_creators) AS creators', 'sum(c) AS impressions'].join(', ')}
FROM (
	SELECT ${[...keys, 'creator_id', 'c'].join(', ')},
		c / sum(c) OVER (${partition}) AS s,
		row_number() OVER (${partition} ORDER BY c DESC, creator_id) AS rk,
		count() OVER (${partition}) AS n_creators
	FROM (
		SELECT ${[...periodSelect(req), ...dims, 'creator_id', 'sum(imps) AS c'].join(', ')}
		FROM (
${ctx.sql(file)}
		) AS base
		WHERE ${inPeriod(req)}
		GROUP BY ${[...keys, 'creator_id'].join(', ')}
	)
)${groupOrder(keys)}`;
		return { file: `sql/metrics/${file}.sql`, sql };
	},
	drilldown: 'slop_creators'
} satisfies MetricDefinition;

const near_duplicate_share = {
	id: 'near_duplicate_share',
	title: 'Near-duplicate share',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human impressions whose video is a near duplicate of a video created earlier: the two captions share a MinHash bucket (ClickHouse wordShingleMinHash over word bigrams and ngramMinHash over character 4-grams, computed once per video into video_minhash) and the Jaccard index of their word-bigram sets is ≥ 0.8. Captions under 4 words only match an identical caption. ci_low/ci_high: 95 % Wilson score interval.',
	sources: [
		{ file: 'slop_near_duplicate_days', dimensions: VIDEO_DAY_DIMS },
		{ file: 'slop_near_duplicate_daily', dimensions: VIDEO_DIMS }
	],
	value: 'sum(dups) / nullIf(sum(imps), 0)',
	components: { near_duplicates: 'sum(dups)', impressions: 'sum(imps)', ...wilson('sum(dups)', 'sum(imps)') },
	drilldown: 'slop_near_duplicates'
} satisfies MetricDefinition;

const remix_depth = {
	id: 'remix_depth',
	title: 'Remix depth',
	unit: 'depth',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Mean number of remix_of hops from the video shown back to its original, over human impressions (an original is 0, a remix of a remix is 2; a remix of a video we do not have counts 1). p90: 90th percentile over impressions. remixed_share: share of impressions showing any remix.',
	sources: [
		{ file: 'slop_remix_depth_days', dimensions: VIDEO_DAY_DIMS },
		{ file: 'slop_remix_depth_daily', dimensions: VIDEO_DIMS }
	],
	value: 'sum(depth * imps) / nullIf(sum(imps), 0)',
	components: {
		p90: 'quantileExactWeighted(0.9)(depth, imps)',
		max_depth: 'max(depth)',
		remixed_share: 'sumIf(imps, depth > 0) / nullIf(sum(imps), 0)',
		impressions: 'sum(imps)'
	},
	drilldown: 'slop_remix_chains'
} satisfies MetricDefinition;

const novelty = {
	id: 'novelty',
	title: 'Novelty',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: true,
	definition:
		'Share of human impressions that show a video less than 24 h old AND come from a creator the user had never been shown before (first impression ever of that creator for that user). fresh_share and new_creator_share give each condition alone. ci_low/ci_high: 95 % Wilson score interval.',
	sources: [{ file: 'slop_novelty_daily', dimensions: VIDEO_DIMS }],
	value: 'sum(novel_n) / nullIf(sum(imps), 0)',
	components: {
		novel: 'sum(novel_n)',
		impressions: 'sum(imps)',
		fresh_share: 'sum(fresh_n) / nullIf(sum(imps), 0)',
		new_creator_share: 'sum(new_creator_n) / nullIf(sum(imps), 0)',
		...wilson('sum(novel_n)', 'sum(imps)')
	},
	drilldown: 'slop_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const long_session_share = {
	id: 'long_session_share',
	title: 'Long-session share',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human sessions longer than 60 minutes (end of the last impression − start of the first), each session on the UTC day it started. ci_low/ci_high: 95 % Wilson score interval over sessions.',
	sources: [{ file: 'engagement_sessions', dimensions: IMPRESSION_DIMS }],
	value: 'countIf(duration_min > 60) / nullIf(count(), 0)',
	components: { long_sessions: 'countIf(duration_min > 60)', sessions: 'count()', ...wilson('countIf(duration_min > 60)', 'count()') },
	drilldown: 'engagement_sessions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const late_night_share = {
	id: 'late_night_share',
	title: 'Late-night watch share',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human watch time in impressions that started between 00:00 and 05:00 viewer local time (UTC ts + tz_offset_min). Impressions without tz_offset_min are left out of numerator and denominator (tz_watch_hours says how much time was classified). ci_low/ci_high: 95 % ratio-estimator interval over impressions.',
	sources: [
		{ file: 'rollup_engagement_daily', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] },
		{ file: 'engagement_daily', dimensions: IMPRESSION_DIMS }
	],
	value: 'sum(late_h) / nullIf(sum(tz_h), 0)',
	components: {
		late_night_hours: 'sum(late_h)',
		tz_watch_hours: 'sum(tz_h)',
		...ratioInterval({ y: 'sum(late_h)', x: 'sum(tz_h)', yy: 'sum(late_sq)', xy: 'sum(late_sq)', xx: 'sum(tz_sq)' })
	},
	drilldown: 'engagement_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const autoplay_share = {
	id: 'autoplay_share',
	title: 'Autoplay share of watch time',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Watch time of autoplayed human impressions / all human watch time. ci_low/ci_high: 95 % ratio-estimator interval over impressions.',
	sources: [
		{ file: 'rollup_engagement_daily', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] },
		{ file: 'engagement_daily', dimensions: IMPRESSION_DIMS }
	],
	value: 'sum(auto_h) / nullIf(sum(watch_h), 0)',
	components: {
		autoplay_hours: 'sum(auto_h)',
		watch_hours: 'sum(watch_h)',
		...ratioInterval({ y: 'sum(auto_h)', x: 'sum(watch_h)', yy: 'sum(auto_sq)', xy: 'sum(auto_sq)', xx: 'sum(watch_sq)' })
	},
	drilldown: 'engagement_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const kinds = ['human', 'ai_assisted', 'ai_generated'] as const;

const VIDEO_MIX_SOURCES: readonly BaseSource[] = [
	{ file: 'slop_video_mix_days', dimensions: VIDEO_DAY_DIMS },
	{ file: 'slop_video_mix', dimensions: VIDEO_DIMS }
];

const ai_mix = {
	id: 'ai_mix',
	title: 'AI / human mix',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human impressions by the creator_kind of the video (human, ai_assisted, ai_generated). Grouped by creator_kind, value is each kind’s share of its period and other groups; otherwise value is the ai_generated share with every kind’s share as components. ci_low/ci_high: 95 % Wilson score interval of value.',
	sources: VIDEO_MIX_SOURCES,
	value: "sumIf(imps, creator_kind = 'ai_generated') / nullIf(sum(imps), 0)",
	build: (req, ctx) => aiMixSql(req, ctx),
	drilldown: 'slop_impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

function aiMixSql(req: MetricRequest, ctx: BuildContext): { file: string; sql: string } {
	const keys = groupKeys(req);
	const source = sourceFor(req, VIDEO_MIX_SOURCES);
	const file = `sql/metrics/${source}.sql`;
	const base = `FROM (
${ctx.sql(source)}
) AS base
WHERE ${inPeriod(req)}`;
	if (!req.group_by.includes('creator_kind')) {
		const ai = "sumIf(imps, creator_kind = 'ai_generated')";
		const select = [
			...periodSelect(req),
			...req.group_by,
			`${ai} / nullIf(sum(imps), 0) AS value`,
			...kinds.map((k) => `sumIf(imps, creator_kind = '${k}') / nullIf(sum(imps), 0) AS ${k}_share`),
			'sum(imps) AS impressions',
			...Object.entries(wilson(ai, 'sum(imps)')).map(([k, e]) => `${e} AS ${k}`)
		];
		return { file, sql: `SELECT ${select.join(', ')}\n${base}${groupOrder(keys)}` };
	}
	const others = keys.filter((k) => k !== 'creator_kind');
	const partition = others.length ? `PARTITION BY ${others.join(', ')}` : '';
	const ci = wilson('c', 'total');
	const sql = `SELECT ${[...keys, 'c / nullIf(total, 0) AS value', 'c AS impressions', 'total AS all_impressions', `${ci.ci_low} AS ci_low`, `${ci.ci_high} AS ci_high`].join(', ')}
FROM (
	SELECT ${[...keys, 'c'].join(', ')}, sum(c) OVER (${partition}) AS total
	FROM (
		SELECT ${[...periodSelect(req), ...req.group_by, 'sum(imps) AS c'].join(', ')}
		${base.replace(/\n/g, '\n\t\t')}
		GROUP BY ${keys.join(', ')}
	)
)
ORDER BY ${keys.join(', ')}`;
	return { file, sql };
}

const cameo_unconsented_share = {
	id: 'cameo_unconsented_share',
	title: 'Cameo without consent',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human impressions of videos showing someone’s likeness (cameo_user_ids not empty) without consent in force when the impression was served (none or revoked at that moment). The consent history keeps every state a video was loaded with: consent_changed_at says since when a state holds; before a revocation the video counts as consented, before a grant or a change to none as not; a row without consent_changed_at holds since the video was created and overrides earlier loads. On a day a video’s consent changed its impressions are split one by one. ci_low/ci_high: 95 % Wilson score interval.',
	sources: VIDEO_MIX_SOURCES,
	value: 'sum(cameo_n) / nullIf(sum(imps), 0)',
	components: { cameo_unconsented: 'sum(cameo_n)', impressions: 'sum(imps)', ...wilson('sum(cameo_n)', 'sum(imps)') },
	drilldown: 'slop_watchlist'
} satisfies MetricDefinition;

const copyright_share = {
	id: 'copyright_share',
	title: 'Copyright-flagged share',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Share of human impressions of videos flagged for copyright (copyright_flag on the latest videos row). ci_low/ci_high: 95 % Wilson score interval.',
	sources: VIDEO_MIX_SOURCES,
	value: 'sum(copyright_n) / nullIf(sum(imps), 0)',
	components: { copyright_flagged: 'sum(copyright_n)', impressions: 'sum(imps)', ...wilson('sum(copyright_n)', 'sum(imps)') },
	drilldown: 'slop_watchlist'
} satisfies MetricDefinition;

const divergence = {
	id: 'divergence',
	title: 'Engagement–satisfaction divergence',
	unit: 'ratio',
	page: '/feed-health',
	higherIsBetter: false,
	definition:
		'Week-over-week change of watch-hours per user minus week-over-week change of satisfaction per impression: (W / W′ − 1) − (S / S′ − 1), W = watch-hours / distinct users and S = positive actions / impressions over the 7 days ending on the day, W′ and S′ over the 7 days before. Positive and growing: people watch more but like it less. Needs 14 whole days of data (null before). At week, month or total grain: the value on the period’s last day with one (for Monday-based weeks that is exactly this week vs last week).',
	sources: [{ file: 'engagement_divergence_user_days', dimensions: IMPRESSION_DIMS }],
	value: 'value',
	build: (req, ctx) => divergenceSql(req, ctx),
	drilldown: 'engagement_user_days',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

function divergenceSql(req: MetricRequest, ctx: BuildContext): { file: string; sql: string } {
	const dims = req.group_by as string[];
	const d = dims.map((x) => `, ${x}`).join('');
	const keys = groupKeys(req);
	const cols = ['value', 'watch_hours_per_user', 'watch_hours_per_user_prev', 'satisfaction', 'satisfaction_prev', 'watch_change', 'satisfaction_change'];
	// Inner columns carry a `d_` prefix: an aggregate aliased like the column it reads is an error in ClickHouse.
	const outer =
		req.grain === 'day'
			? cols.map((c) => `any(d_${c}) AS ${c}`)
			: cols.map((c) => `argMaxIf(d_${c}, day, d_value IS NOT NULL) AS ${c}`);
	const sql = `SELECT ${[...periodSelect(req), ...dims, ...outer].join(', ')}
FROM (
	SELECT day${d}, ${cols.slice(1).map((c) => `${c} AS d_${c}`).join(', ')},
		if(days_cur = 7 AND days_prev = 7, watch_change - satisfaction_change, NULL) AS d_value
	FROM (
		SELECT day${d},
			wh_cur / nullIf(users_cur, 0) AS watch_hours_per_user,
			wh_prev / nullIf(users_prev, 0) AS watch_hours_per_user_prev,
			pos_cur / nullIf(n_cur, 0) AS satisfaction,
			pos_prev / nullIf(n_prev, 0) AS satisfaction_prev,
			watch_hours_per_user / nullIf(watch_hours_per_user_prev, 0) - 1 AS watch_change,
			satisfaction / nullIf(satisfaction_prev, 0) - 1 AS satisfaction_change,
			days_cur, days_prev
		FROM (
			SELECT d + off AS day${d},
				uniqExactMergeIf(users, off < 7) AS users_cur, uniqExactMergeIf(users, off >= 7) AS users_prev,
				sumIf(wh, off < 7) AS wh_cur, sumIf(wh, off >= 7) AS wh_prev,
				sumIf(pos, off < 7) AS pos_cur, sumIf(pos, off >= 7) AS pos_prev,
				sumIf(n, off < 7) AS n_cur, sumIf(n, off >= 7) AS n_prev,
				uniqExactIf(d, off < 7) AS days_cur, uniqExactIf(d, off >= 7) AS days_prev
			FROM (
				SELECT day AS d${d}, uniqExactState(user_id) AS users, sum(watch_h) AS wh, sum(pos) AS pos, sum(imps) AS n
				FROM (
${ctx.sql('engagement_divergence_user_days')}
				) AS base
				WHERE 1${filterClause(req)}
				GROUP BY d${d}
			)
			ARRAY JOIN range(14) AS off
			GROUP BY day${d}
		)
	)
	WHERE day >= {from:Date} AND day < {to:Date}
)${groupOrder(keys)}`;
	return { file: 'sql/metrics/engagement_divergence_user_days.sql', sql };
}

/** The slop metrics, by id. */
export const slopMetrics = { feed_diversity, creator_concentration, near_duplicate_share, remix_depth, novelty, long_session_share, late_night_share, autoplay_share, ai_mix, cameo_unconsented_share, copyright_share, divergence } satisfies MetricTable;
