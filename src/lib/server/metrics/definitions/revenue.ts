// Revenue from Stripe. Base rows: sql/metrics/subscription_revenue_daily.sql
// (recognized revenue) and sql/metrics/mrr_daily.sql (MRR per customer, plan and day, from the
// source and policies of the request: sql/metrics/mrr_plan_changes.sql, docs/revenue.md).
import type { Grain, MetricRequest } from '../../../contracts/metrics.js';
import { periodExpr } from '../build-query.js';
import type { MetricDefinition, MetricTable } from '../definition.js';
import { metricSql } from '../sql-files.js';

export const movements = ['new', 'expansion', 'contraction', 'churn', 'reactivation'] as const;

/** Glossary text shared by mrr and mrr_movements: which source is the default, and why. */
const MRR_SOURCES =
	"Source (mrr_source): subscriptions by default, as Stripe counts MRR: from each subscription's state on the day (every version kept with the moment it took effect, from backfill, sync, webhook or event file), because MRR looks forward: a plan change, coupon, trial, pause or cancellation counts on the day it happens, with or without proration (proration lines are recognized revenue, not MRR). A subscription counts when active or past_due at the end of the day: Σ items' recurring price × quantity normalized to a month (yearly / 12, weekly × 52 / 12, daily × 365 / 12; a price without a unit amount counts its latest invoice line's net); trialing counts 0 (the conversion is new MRR); unpaid, canceled and paused (pause_collection) count 0, so they are churn, and resuming is reactivation. mrr_source=invoices is the convention some revenue tools use: the recurring lines of paid and open invoices over the service period they cover, net of the discount applied to each line, proration credits negative; it looks backward, so a change without an invoice waits for the next invoice.";
const MRR_POLICIES =
	'Currencies: a customer\'s MRR in another currency is valued at the fx_rates rate of the day (mrr); movements value each change at the rate of the day it happened, so an unchanged MRR revalued by a new rate is not a movement. Revenue policies (subscriptions source): mrr_discounts=forever (default, Stripe\'s: only forever coupons reduce MRR, from the day they apply; once and repeating coupons leave it unchanged), recurring (net of every recurring discount: repeating coupons too, until they end) or gross; mrr_churn=period_end (default: churn when the subscription ends) or request (churn on the day cancellation is asked for). Server defaults: LOOPMETER_MRR_SOURCE, LOOPMETER_MRR_DISCOUNTS, LOOPMETER_MRR_CHURN.';

const subscription_revenue = {
	id: 'subscription_revenue',
	title: 'Subscription revenue (recognized)',
	unit: 'usd',
	page: '/revenue',
	higherIsBetter: true,
	definition:
		'Each line of a paid Stripe invoice spread evenly over its service period by the millisecond (whole cents, allocated by cumulative floor so a line adds up to exactly its amount), net of discounts and excluding tax; credit notes (excluding tax) subtracted on their effective day, refunds on the day they were made (a refund issued through a credit note counts once). Amounts in other currencies are converted at the fx_rates rate of each day recognized (each service day of a line, the day of a credit note or refund), rounded to the cent; a missing rate is an error naming the currency and day. Plan from product metadata, price metadata, price lookup_key or product name.',
	sources: [{ file: 'subscription_revenue_daily', dimensions: ['plan'] }],
	value: 'sum(amount_usd)',
	components: { refunds_usd: "-sumIf(amount_usd, component != 'invoice_line')", paying_users: "uniqExactIf(user_id, component = 'invoice_line')" },
	drilldown: 'subscription_revenue',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/** The last day of the period a day belongs to, clipped to the request. */
function closingDay(grain: Grain, col: string): string {
	const last = { day: col, week: `toMonday(${col}) + 6`, month: `toLastDayOfMonth(${col})`, total: '{to:Date} - 1' }[grain];
	return `least(${last}, {to:Date} - 1)`;
}

function keysOf(req: MetricRequest): string[] {
	return [...(req.grain === 'total' ? [] : ['period']), ...req.group_by];
}

function mrrSql(req: MetricRequest): string {
	const period = req.grain === 'total' ? [] : [`${periodExpr[req.grain]} AS period`];
	const keys = keysOf(req);
	const plan = req.filters.plan?.length ? ' AND plan IN {f_plan:Array(String)}' : '';
	return `SELECT
	${[...period, ...req.group_by, 'sum(mrr_usd) AS value', 'uniqExact(customer_id) AS subscribers'].join(',\n\t')}
FROM (
${metricSql('mrr_daily')}
) AS base
WHERE day >= {from:Date} AND day < {to:Date} AND day = ${closingDay(req.grain, 'day')}${plan}${keys.length ? `\nGROUP BY ${keys.join(', ')}\nORDER BY ${keys.join(', ')}` : ''}`;
}

const mrr = {
	id: 'mrr',
	title: 'MRR',
	unit: 'usd',
	page: '/revenue',
	higherIsBetter: true,
	definition: `Monthly recurring revenue at the end of the period (the last day of each day/week/month, clipped to the request), USD per month. ${MRR_SOURCES} ${MRR_POLICIES}`,
	sources: [{ file: 'mrr_daily', dimensions: ['plan'] }],
	value: 'sum(mrr_usd)',
	build: (req) => ({ file: 'sql/metrics/mrr_daily.sql', sql: mrrSql(req) }),
	drilldown: 'mrr_customers',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/**
 * Movements between the end of the day before the period and its last day:
 * each customer's total MRR change on a day is classified (new, reactivation,
 * expansion, contraction, churn; sql/metrics/mrr_customer_changes.sql) and its
 * change split by plan (sql/metrics/mrr_plan_changes.sql), so that
 * opening_mrr + Σ movements = closing_mrr exactly, in total and per plan.
 * Levels are running sums of the changes, so the work grows with
 * subscription versions (or invoice lines), not with subscribers × days.
 */
function movementsSql(req: MetricRequest): string {
	const g = req.grain;
	const byPlan = req.group_by.includes('plan');
	const planIn = (col: string) => (req.filters.plan?.length ? ` AND ${col} IN {f_plan:Array(String)}` : '');
	const moveIn = (col: string) => (req.filters.movement?.length ? ` AND ${col} IN {f_movement:Array(String)}` : '');
	const keys = keysOf(req);
	// Grain total still needs a key to join levels on: the period's first day, not returned.
	const periodOf = (col: string) => (g === 'total' ? '{from:Date}' : periodExpr[g].replace(/\bday\b/g, col));
	const openDay = g === 'total' ? '{from:Date} - 1' : 'greatest(period, {from:Date}) - 1';
	const closeDay = g === 'total' ? '{to:Date} - 1' : closingDay(g, 'period');
	const moveList = `[${movements.map((m) => `'${m}'`).join(', ')}]`;
	const zeroFill = byPlan
		? ''
		: `
		UNION ALL
		SELECT period, '' AS plan, mv AS movement, toDecimal128(0, 9) AS delta FROM bounds ARRAY JOIN ${moveList} AS mv WHERE 1 = 1${moveIn('mv')}`;
	return `WITH
	pts AS (SELECT customer_id, plan, day, delta FROM (
${metricSql('mrr_plan_changes')}
	)),
	labels AS (SELECT day, customer_id, movement FROM (
${metricSql('mrr_customer_changes')}
	)),
	bounds AS (
		SELECT period, any(open_day) AS open_day, any(close_day) AS close_day FROM (
			SELECT ${periodOf('d')} AS period, ${openDay} AS open_day, ${closeDay} AS close_day
			FROM (SELECT arrayJoin(arrayMap(i -> {from:Date} + i, range(toUInt32(dateDiff('day', {from:Date}, {to:Date}))))) AS d)
		) GROUP BY period
	),
	levels AS (
		SELECT b.period AS period${byPlan ? ', p.plan AS plan' : ''}, sumIf(p.delta, p.day <= b.open_day) AS opening, sum(p.delta) AS closing
		FROM bounds AS b CROSS JOIN pts AS p
		WHERE p.day <= b.close_day${planIn('p.plan')}
		GROUP BY period${byPlan ? ', plan' : ''}
	),
	moves AS (
		SELECT ${periodOf('p.day')} AS period, p.plan AS plan, l.movement AS movement, p.delta AS delta
		FROM pts AS p INNER JOIN labels AS l ON l.day = p.day AND l.customer_id = p.customer_id
		WHERE p.day >= {from:Date}${planIn('p.plan')}${moveIn('l.movement')}${zeroFill}
	)
SELECT
	${[...keys.map((k) => `m.${k} AS ${k}`), 'sum(m.delta) AS value', 'any(lv.opening) AS opening_mrr', 'any(lv.closing) AS closing_mrr'].join(',\n\t')}
FROM moves AS m
LEFT JOIN levels AS lv ON lv.period = m.period${byPlan ? ' AND lv.plan = m.plan' : ''}
${keys.length ? `GROUP BY ${keys.map((k) => `m.${k}`).join(', ')}\nORDER BY ${keys.map((k) => `m.${k}`).join(', ')}` : ''}`;
}

const mrr_movements = {
	id: 'mrr_movements',
	title: 'MRR movements',
	unit: 'usd',
	page: '/revenue',
	higherIsBetter: true,
	definition: `Change of MRR over the period, by movement: new (a customer's first MRR), reactivation (MRR again after a gap, e.g. a paused subscription resumed), expansion (upgrade, more seats, a discount ending), contraction (downgrade, fewer seats, a forever coupon added), churn (MRR falls to 0: canceled, unpaid, paused). Each day, each customer's total MRR change against the day before is classified; by plan the change is split across the plans involved (an upgrade shows a negative expansion in the old plan and a positive one in the new). opening_mrr (end of the day before the period) + Σ movements = closing_mrr (end of the period's last day), exactly. ${MRR_SOURCES} ${MRR_POLICIES}`,
	sources: [{ file: 'mrr_daily', dimensions: ['movement', 'plan'] }],
	value: 'sum(delta)',
	components: { opening_mrr: 'opening_mrr', closing_mrr: 'closing_mrr' },
	build: (req) => ({ file: 'sql/metrics/mrr_daily.sql', sql: movementsSql(req) }),
	drilldown: 'mrr_changes',
	drilldownHasUserRows: true
} satisfies MetricDefinition;

/** The revenue metrics, by id. */
export const revenueMetrics = { subscription_revenue, mrr, mrr_movements } satisfies MetricTable;
