import { z } from 'zod';
import { date, decimal, text } from '../fields.js';
import { defineSource } from './spec.js';

/** USD for one unit of a currency on a day: what revenue and MRR in other currencies are converted at. */
export const fxRateRow = z.object({
	date: date(),
	currency: text({ pattern: /^[A-Z]{3}$/, patternRule: 'must be an ISO 4217 code of three upper-case letters such as EUR' }),
	usd_per_unit: decimal({ above: 0 })
});
export type FxRateRow = z.infer<typeof fxRateRow>;

export default defineSource({
	source: 'fx_rates',
	table: 'fx_rates',
	describes:
		'Daily exchange rates: USD for one unit of a currency. Stripe amounts in other currencies are recognized in USD at the rate of each service day (MRR at the rate of the day); a day without its rate stops the figure with an error naming the currency and day.',
	ruleNotes: ['One row per (currency, date); a row loaded again replaces the earlier load. USD needs no rate.'],
	columns: fxRateRow,
	key: ['currency', 'date'],
	keep: 'latest'
});
