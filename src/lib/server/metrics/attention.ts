import { defineMetric } from './registry.js';

defineMetric({
	id: 'watch_hours',
	title: 'Watch-hours',
	unit: 'hours',
	higherIsBetter: true,
	definition: 'Σ watch_ms of human impressions / 3 600 000. Impressions by bots or internal accounts (is_internal) are excluded.',
	sources: [{ file: 'impression_watch', dimensions: ['rec_arm', 'feed_mode', 'country', 'platform', 'surface'] }],
	value: 'sum(watch_hours)',
	drilldown: 'impressions',
	drilldownHasUserRows: true
});
