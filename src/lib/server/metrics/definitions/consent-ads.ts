import type { MetricDefinition, MetricTable } from '../definition.js';

// Consent history and ad revenue per video (docs/product.md). The consent
// history itself changes cameo_unconsented_share (definitions/slop.ts); what
// is new here is where ad revenue goes: to videos and their creators, by the
// same per-cell rates as the allocation to users (sql/metrics/ad_revenue_rates.sql).
// Base rows: sql/metrics/ad_revenue_videos.sql.

const ALLOCATED = 'sumIf(revenue_usd, allocated)';

const video_ad_revenue = {
	id: 'video_ad_revenue',
	title: 'Ad revenue per video',
	unit: 'usd',
	page: '/feed-health',
	higherIsBetter: true,
	definition:
		'Ad revenue allocated to videos, pro rata to their human feed impressions (is_internal excluded): each ad row of the ad revenue file is spread over the impressions of its UTC day — and of its country and platform when the row names them (empty = all) — so each impression carries its cell\'s dollars per impression, the same rates as the allocation to users (ads per plan). Σ over videos = Σ over users = the day\'s allocated ad revenue; ad rows no impression matched stay unallocated_usd (value + unallocated_usd = ad_revenue). By creator (creator_id of the video), creator kind, rec_arm, feed mode, country and platform; impressions of a video missing from `videos` count under an empty creator. videos: videos shown; feed_impressions: their human impressions (those in a cell without ads carry $0); usd_per_video = value / videos; usd_per_1000_impressions = 1 000 × value / impressions.',
	sources: [{ file: 'ad_revenue_videos', dimensions: ['creator', 'creator_kind', 'rec_arm', 'feed_mode', 'country', 'platform'] }],
	value: ALLOCATED,
	components: {
		videos: "uniqExactIf(video_id, allocated)",
		feed_impressions: 'sum(imps)',
		usd_per_video: `${ALLOCATED} / nullIf(uniqExactIf(video_id, allocated), 0)`,
		usd_per_1000_impressions: `1000 * ${ALLOCATED} / nullIf(sum(imps), 0)`,
		unallocated_usd: 'sumIf(revenue_usd, NOT allocated)'
	},
	drilldown: 'ad_revenue_videos'
} satisfies MetricDefinition;

export const consentAdsMetrics = { video_ad_revenue } satisfies MetricTable;
