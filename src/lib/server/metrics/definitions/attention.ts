import type { MetricDefinition, MetricTable } from '../definition.js';

const watch_hours = {
	id: 'watch_hours',
	title: 'Watch-hours',
	unit: 'hours',
	page: '/',
	higherIsBetter: true,
	definition: 'Σ watch_ms of human impressions / 3 600 000. Impressions by bots or internal accounts (is_internal) are excluded.',
	sources: [
		{ file: 'rollup_impression_watch', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] },
		{ file: 'impression_watch', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] },
		// By plan: the viewer's plan at the start of the impression's UTC day (engagement_impression_dims).
		{ file: 'engagement_watch_plan', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface', 'plan'] }
	],
	value: 'sum(watch_hours)',
	drilldown: 'impressions',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const attention_to_compute = {
	id: 'attention_to_compute',
	title: 'Attention-to-compute ratio',
	unit: 'hours_per_gpu_hour',
	page: '/',
	higherIsBetter: true,
	definition:
		'Human watch-hours / utilized GPU-hours in the same period (both as defined for those metrics): how much human attention each GPU-hour buys. Higher is better.',
	sources: [{ file: 'attention_compute_daily', dimensions: [] }],
	value: 'sum(watch_h) / nullIf(sum(gpu_h), 0)',
	components: { watch_hours: 'sum(watch_h)', utilized_gpu_hours: 'sum(gpu_h)' },
	drilldown: 'jobs',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

const attention_to_compute_cohort = {
	id: 'attention_to_compute_cohort',
	title: 'Attention-to-compute by creation cohort',
	unit: 'hours_per_gpu_hour',
	page: '/unit-economics',
	higherIsBetter: true,
	definition:
		'For generated videos created in the period (by creation day): human watch-hours they earned within 7 days of creation (impressions after the period end count, up to 7 days) / GPU-hours of every job of their generation request, failed, cancelled and moderated attempts included. Videos without a generation job are left out. A video\'s request is videos.request_id, else that of the job that published it. unobserved_videos: videos whose 7 days reach past the last day with data (their watch-hours are not final).',
	sources: [{ file: 'attention_cohort_videos', dimensions: ['creator_kind'] }],
	value: 'sum(watch_7d_h) / nullIf(sum(request_gpu_h), 0)',
	components: { watch_hours_7d: 'sum(watch_7d_h)', gpu_hours: 'sum(request_gpu_h)', videos: 'count()', unobserved_videos: 'countIf(NOT observed)' },
	drilldown: 'cohort_videos'
} satisfies MetricDefinition;

/** The attention metrics, by id. */
export const attentionMetrics = { watch_hours, attention_to_compute, attention_to_compute_cohort } satisfies MetricTable;
