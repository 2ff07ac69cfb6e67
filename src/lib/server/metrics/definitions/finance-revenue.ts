import type { MetricDefinition, MetricTable } from '../definition.js';

// Finance depth, revenue side (docs/finance.md "Currencies and revenue
// reconciliation"): recognized revenue against what Stripe invoiced and
// collected. Base rows: sql/metrics/revenue_reconciliation.sql (day, item,
// invoice_id, amount_usd), one item per figure and per named cause.

/** Causes of invoiced − recognized, in the order a reader adds them up. */
export const invoicedCauses = ['deferred', 'tax', 'unpaid', 'credit_notes', 'refunds', 'currency', 'unexplained'] as const;
/** Causes of collected − invoiced. */
export const collectedCauses = ['collection_timing', 'collection_currency', 'payment_adjustments'] as const;

const sumOf = (item: string) => `sumIf(amount_usd, item = '${item}')`;

/** Each figure and cause as a component `<item>_usd`, so a month's row carries the whole reconciliation. */
const RECONCILIATION_PARTS = Object.fromEntries(
	['recognized', 'invoiced', 'collected', ...invoicedCauses, ...collectedCauses].map((item) => [`${item}_usd`, sumOf(item)])
);

const revenue_reconciliation = {
	id: 'revenue_reconciliation',
	title: 'Revenue reconciliation (Stripe)',
	unit: 'usd',
	page: '/revenue',
	higherIsBetter: false,
	definition:
		'Per calendar month: invoiced − recognized, where recognized = subscription_revenue of the month (paid invoice lines over their service days, less credit notes and refunds), invoiced = Σ total (tax included) of the invoices finalized in the month (paid, open or uncollectible, by the day created) and collected = Σ amount_paid of the invoices paid in the month. The difference is split into causes that add up to it exactly: deferred (the month\'s invoices recognized in other months, less revenue of the month from other months\' invoices), tax (on the month\'s invoices: invoiced, never revenue), unpaid (net of the month\'s invoices not paid: recognized once paid), credit_notes and refunds (taken off revenue in the month), currency (the month\'s paid invoices at the invoice day\'s rate − their lines at each service day\'s rate; 0 in USD) and unexplained (invoice total − tax − its lines\' net: 0 when an invoice adds up). collected − invoiced = collection_timing (paid in the month but finalized in another, less the month\'s invoices not paid in it) + collection_currency (payment day\'s rate − invoice day\'s) + payment_adjustments (amount_paid − total: customer balance applied). Other currencies convert at the fx_rates rate of the day named, rounded to the cent per invoice (per line-day for recognized revenue); a missing rate is an error naming the currency and day. Read it at grain month over whole months (the Revenue page does): causes are defined per calendar month and dated by the day they arise (an invoice\'s causes on its day, a recognized day on that day), so a period or grain that cuts a month gives parts that add up only over the whole month. The components recognized_usd, invoiced_usd, collected_usd and <cause>_usd carry every figure.',
	sources: [{ file: 'revenue_reconciliation', dimensions: [] }],
	value: `${sumOf('invoiced')} - ${sumOf('recognized')}`,
	components: RECONCILIATION_PARTS,
	drilldown: 'revenue_reconciliation_items'
} satisfies MetricDefinition;

/** The revenue-side finance metrics, by id. */
export const financeRevenueMetrics = { revenue_reconciliation } satisfies MetricTable;
