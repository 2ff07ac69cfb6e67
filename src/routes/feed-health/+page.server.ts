import { fail } from '@sveltejs/kit';
import { resolvePageState } from '$lib/server/pages/page-state';
import { filterOptions } from '$lib/server/pages/dimension-values';
import { IMPRESSION_FILTERS } from '$lib/server/pages/impression-filters';
import { firstSeen, wholePeriodStart, rowsPanel } from '$lib/server/pages/engagement-panels';
import { readoutPanel } from '$lib/server/experiments/panel';
import { evaluateAlerts } from '$lib/server/alerts/evaluate';
import { alertsVisibleTo } from '$lib/server/alerts/visible';
import { listDeliveries, sendTestNotification } from '$lib/server/alerts/notify';
import { audit } from '$lib/server/audit';
import { clientIp } from '$lib/server/auth';
import { metricPanel, metricTile, metricHeadings } from '$lib/server/pages/panel';
import { metricDefinitions } from '$lib/server/metrics/registry';
import { BASELINE_DAYS, CENTRE, POINTS_PER_SIGMA } from '$lib/server/metrics/definitions/slop-index';
import { AlertConfigError, loadAlertConfig, saveAlertConfig } from '$lib/server/alerts/config-file';
import { metricInput } from '$lib/url-state';
import type { Dimension, MetricId } from '$lib/contracts/metrics';
import type { Actions, PageServerLoad } from './$types';
import { failedIf } from '$lib/server/http/person-slots';

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
		// Arms and modes against their control, clustered by user, with the minimum-sample guard and SRM check (config/experiments.json).
		armReadout: readoutPanel('recommender', state),
		modeReadout: readoutPanel('feed-modes', state),
		concentration: metricPanel({ metric: 'creator_concentration', ...period, grain: 'total', filters: state.filters }),
		families: rowsPanel('near_duplicate_share', 'Near-duplicate families', period, 15),
		remixTrees: rowsPanel('remix_depth', 'Remix trees', period, 80),
		creators: rowsPanel('creator_concentration', 'Creators by impressions', period, 20_000),
		watchlist: rowsPanel('cameo_unconsented_share', 'Likeness and rights watchlist', period, 200),
		// Ad revenue allocated to videos (docs/product.md): the period's total, per creator and per video.
		ads: {
			tile: metricTile('video_ad_revenue', state),
			byCreator: metricPanel(metricInput(state, 'video_ad_revenue', { grain: 'total', group_by: ['creator'] })),
			videos: rowsPanel('video_ad_revenue', 'Ad revenue per video', period, 200)
		},
		alertRules: (() => {
			try {
				const c = loadAlertConfig();
				return { rules: c.rules, webhooks: c.webhooks.map((w) => ({ id: w.id, format: w.format, signed: Boolean(w.secret_env), description: w.description, host: new URL(w.url).host })), error: undefined };
			} catch (e) {
				return { rules: [], webhooks: [], error: (e as Error).message };
			}
		})(),
		deliveries: listDeliveries(30).catch((e: Error) => ({ error: e.message.split('\n')[0]! }))
	};
};

export const actions: Actions = {
	/** Admin: send a test notification to one webhook (logged in the delivery log and the audit log). */
	testWebhook: async (event) => {
		const id = String((await event.request.formData()).get('webhook') ?? '');
		try {
			const d = await sendTestNotification(id);
			await audit({ actor: event.locals.auth.user?.name ?? 'unknown', action: 'alert.webhook.test', target: id, ip: clientIp(event), outcome: d.status === 'delivered' ? 'ok' : 'failed', detail: d.error });
			return d.status === 'delivered' ? { tested: id } : fail(502, { error: `test to ${id} failed: ${d.error}` });
		} catch (e) {
			return fail(400, { error: (e as Error).message });
		}
	},
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
