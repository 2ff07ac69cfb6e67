import { z } from 'zod';
import { date, decimal, int, text } from '../fields.js';
import { defineSource } from './spec.js';

/** Ad revenue per day × country × platform; empty country/platform = all. */
export const adRevenueRow = z.object({
	date: date(),
	country: text({ default: '' }),
	platform: text({ default: '' }),
	ad_impressions: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
	revenue_usd: decimal({ min: 0 })
});
export type AdRevenueRow = z.infer<typeof adRevenueRow>;

export default defineSource({
	source: 'ad_revenue',
	table: 'ad_revenue',
	describes: 'Ad revenue per day, country and platform; an empty country or platform means all of them.',
	columns: adRevenueRow,
	key: ['date', 'country', 'platform'],
	keep: 'latest'
});
