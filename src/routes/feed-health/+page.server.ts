import { fail } from '@sveltejs/kit';
import { resolvePageState } from '$lib/server/metrics/page-state';
import { filterOptions } from '$lib/server/metrics/dimension-values';
import { IMPRESSION_FILTERS } from '$lib/server/metrics/impression-filters';
import { comparisonTable, firstSeen, wholePeriodStart, rowsPanel, type ComparisonColumn } from '$lib/server/metrics/engagement-panels';
import { evaluateAlerts } from '$lib/server/alerts/evaluate';
import { alertsVisibleTo } from '$lib/server/alerts/visible';
import { metricPanel, metricTile, metricHeadings } from '$lib/server/metrics/panel';
import { metricDefinitions } from '$lib/server/metrics/registry';
import { BASELINE_DAYS, CENTRE, POINTS_PER_SIGMA } from '$lib/server/metrics/definitions/slop-index';
import { AlertConfigError, loadAlertConfig, saveAlertConfig } from '$lib/server/alerts/config-file';
import { metricInput } from '$lib/url-state';
import type { Dimension, MetricId } from '$lib/contracts/metrics';
import type { Actions, PageServerLoad } from './$types';
import { failedIf } from '$lib/server/http/person-slots';

/** What a product manager compares arms and modes on: long-term satisfaction first, minutes last. */
const COMPARE: ComparisonColumn[] = [
	{ metric: 'satisfaction_rate', label: 'Satisfaction / imp.' },
	{ metric: 'negative_rate', label: 'Negative / imp.' },
	{ metric: 'return_rate', label: 'Return rate' },
	{ metric: 'feed_diversity', label: 'Diversity' },
	{ metric: 'near_duplicate_share', label: 'Near duplicates' },
	{ metric: 'novelty', label: 'Novelty' },
	{ metric: 'long_session_share', label: 'Sessions > 60 min' },
	{ metric: 'late_night_share', label: 'Late-night watch' }
];

/** The Slop Index's components, as its definition lists them, labelled with their titles. */
function slopComponents(): { id: MetricId; label: string }[] {
	return metricDefinitions.slop_index.scoredComponents.map((c) => ({
		id: c.id,
		label: `${metricDefinitions[c.id].title}${c.direction < 0 ? ' (falls = worse)' : ''}`
	}));
}

/** Feed health (product): is the feed degenerating, in which arm or mode, and what is being shown. Panels stream in. */
export const load: PageServerLoad = async ({ url, locals }) => {
	const ps = await resolvePageState(url, { days: 182, grain: 'week' });
	const { state } = ps;
	const trendPeriod = wholePeriodStart(state);
	const byArm = (metric: MetricId, by: Dimension[] = ['rec_arm']) => metricPanel(metricInput(state, metric, { group_by: by, period: trendPeriod }));
	// Markers for values that appeared after the first one; several on one day share a label.
	const marks = (dim: 'rec_arm' | 'feed_mode', what: string) =>
		firstSeen(dim).then((r) => {
			const byDay = new Map<string, string[]>();
			for (const a of r.slice(1)) byDay.set(a.first, [...(byDay.get(a.first) ?? []), a.value]);
			return [...byDay].map(([date, values]) => ({ date, label: `${values.join(', ')} ${what}` }));
		});
	const armMarkers = marks('rec_arm', 'first served');
	const period = { from: state.from, to: state.to };
	return {
		...ps,
		isAdmin: locals.auth.user?.role === 'admin',
		headings: metricHeadings(),
		slopIndex: { components: slopComponents(), baselineDays: BASELINE_DAYS, centre: CENTRE, sigmasTo100: (100 - CENTRE) / POINTS_PER_SIGMA },
		options: await filterOptions(IMPRESSION_FILTERS),
		alerts: evaluateAlerts().then((e) => alertsVisibleTo(locals.auth, failedIf(e.errors.length > 0, e))).catch((e: Error) => failedIf(true, { error: e.message })),
		armMarkers,
		modeMarkers: marks('feed_mode', 'launched'),
		tiles: {
			satisfaction_rate: metricTile('satisfaction_rate', state),
			feed_diversity: metricTile('feed_diversity', state),
			near_duplicate_share: metricTile('near_duplicate_share', state),
			creator_concentration: metricTile('creator_concentration', state)
		},
		arms: {
			sessions: byArm('sessions'),
			satisfaction: byArm('satisfaction_rate'),
			diversity: byArm('feed_diversity'),
			returnRate: byArm('return_rate'),
			divergence: byArm('divergence')
		},
		modes: {
			satisfaction: byArm('satisfaction_rate', ['feed_mode']),
			returnRate: byArm('return_rate', ['feed_mode'])
		},
		armTable: comparisonTable(state, 'rec_arm', COMPARE),
		modeTable: comparisonTable(state, 'feed_mode', COMPARE),
		concentration: metricPanel({ metric: 'creator_concentration', ...period, grain: 'total', filters: state.filters }),
		families: rowsPanel('near_duplicate_share', 'Near-duplicate families', period, 15),
		remixTrees: rowsPanel('remix_depth', 'Remix trees', period, 80),
		creators: rowsPanel('creator_concentration', 'Creators by impressions', period, 20_000),
		watchlist: rowsPanel('cameo_unconsented_share', 'Likeness and rights watchlist', period, 200),
		alertRules: (() => {
			try {
				return { rules: loadAlertConfig().rules, error: undefined };
			} catch (e) {
				return { rules: [], error: (e as Error).message };
			}
		})()
	};
};

export const actions: Actions = {
	/** Admin: change thresholds and minimum days of the alert rules (the hook lets only admins post here). */
	thresholds: async ({ request }) => {
		const form = await request.formData();
		let config;
		try {
			config = loadAlertConfig();
		} catch (e) {
			return fail(500, { error: (e as Error).message });
		}
		const rules = config.rules.map((r) => {
			const t = form.get(`threshold.${r.id}`);
			const d = form.get(`min_days.${r.id}`);
			return { ...r, threshold: t === null || t === '' ? r.threshold : Number(t), min_days: d === null || d === '' ? r.min_days : Number(d) };
		});
		try {
			saveAlertConfig({ ...config, rules });
		} catch (e) {
			if (e instanceof AlertConfigError) return fail(400, { error: e.message.replace(/^.*alerts\.json: /, '') });
			throw e;
		}
		return { saved: true };
	}
};
