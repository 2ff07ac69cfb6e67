import type { Dimension } from '../../contracts/metrics.js';

/**
 * The filter bar of the pages about human impressions (Engagement, Feed health):
 * the same dimensions, labelled the same, so a filtered link means the same on both.
 */
export const IMPRESSION_FILTERS: { dim: Dimension; label: string }[] = [
	{ dim: 'rec_arm', label: 'Recommender arm' },
	{ dim: 'feed_mode', label: 'Feed mode' },
	{ dim: 'country', label: 'Country' },
	{ dim: 'platform', label: 'Platform' },
	{ dim: 'plan', label: 'Plan' }
];
