// Revenue from Stripe (METRICS.md "Revenue"). Base rows: sql/metrics/subscription_revenue_daily.sql
// (recognized revenue) and sql/metrics/mrr_daily.sql (MRR per customer, plan and day).
import type { Grain, MetricRequest } from '../../contracts/metrics.js';
import { periodExpr } from './build-query.js';
import { defineMetric } from './registry.js';
import { metricSql } from './sql-files.js';

export const movements = ['new', 'expansion', 'contraction', 'churn', 'reactivation'] as const;

defineMetric({
	id: 'subscription_revenue',
	title: 'Subscription revenue (recognized)',
	unit: 'usd',
	higherIsBetter: true,
	definition:
		'Each line of a paid Stripe invoice spread evenly over its service period by the millisecond (whole cents, allocated by cumulative floor so a line adds up to exactly its amount), net of discounts and excluding tax; credit notes (excluding tax) subtracted on their effective day, refunds on the day they were made (a refund issued through a credit note counts once). USD only: other currencies are refused at ingest with a dead-letter reason. Plan from product metadata, price metadata, price lookup_key or product name.',
	sources: [{ file: 'subscription_revenue_daily', dimensions: ['plan'] }],
	value: 'sum(amount_usd)',
	components: { refunds_usd: "-sumIf(amount_usd, component != 'invoice_line')", paying_users: "uniqExactIf(user_id, component = 'invoice_line')" },
	drilldown: 'subscription_revenue',
	drilldownHasUserRows: true
});

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

defineMetric({
	id: 'mrr',
	title: 'MRR',
	unit: 'usd',
	higherIsBetter: true,
	definition:
		'Monthly recurring revenue at the end of the period (the last day of each day/week/month, clipped to the request). For each subscription line of a paid or open invoice covering the end of a day: unit price × quantity normalized to a month (yearly / 12, weekly × 52 / 12, daily × 365 / 12), net of the discount applied to that line; a proration credit ("unused time") is negative, so a mid-period upgrade replaces the old price at once; a canceled subscription stops at its ended_at. Trials ($0 lines) count 0. Per plan, the plan of each line.',
	sources: [{ file: 'mrr_daily', dimensions: ['plan'] }],
	value: 'sum(mrr_usd)',
	build: (req) => ({ file: 'sql/metrics/mrr_daily.sql', sql: mrrSql(req) }),
	drilldown: 'mrr_customers',
	drilldownHasUserRows: true
});

/**
 * Movements between the end of the day before the period and its last day:
 * the customer's total MRR change on each day is classified (new, reactivation,
 * expansion, contraction, churn) and its delta split by plan, so that
 * opening_mrr + Σ movements = closing_mrr exactly, in total and per plan.
 */
function movementsSql(req: MetricRequest): string {
	const g = req.grain;
	const byPlan = req.group_by.includes('plan');
	const planFilter = req.filters.plan?.length ? ' AND plan IN {f_plan:Array(String)}' : '';
	const moveFilter = req.filters.movement?.length ? ' AND movement IN {f_movement:Array(String)}' : '';
	const keys = keysOf(req);
	const openDay = g === 'total' ? '{from:Date} - 1' : 'greatest(period, {from:Date}) - 1';
	const closeDay = g === 'total' ? '{to:Date} - 1' : closingDay(g, 'period');
	const zeroFill = byPlan
		? ''
		: `
		UNION ALL
		SELECT d AS day, '' AS plan, mv AS movement, toDecimal128(0, 9) AS delta
		FROM (SELECT arrayJoin(arrayMap(i -> {from:Date} + i, range(toUInt32(dateDiff('day', {from:Date}, {to:Date}))))) AS d)
		ARRAY JOIN [${movements.map((m) => `'${m}'`).join(', ')}] AS mv`;
	const levelJoin = (alias: string, dayCol: string) =>
		`LEFT JOIN levels AS ${alias} ON ${alias}.day = m.${dayCol}${byPlan ? ` AND ${alias}.plan = m.plan` : ''}`;
	return `WITH
	cp AS (SELECT day, day + 1 AS day_after, customer_id, plan, mrr_usd FROM (
${metricSql('mrr_daily')}
	)),
	labels AS (SELECT day, customer_id, movement FROM (
${metricSql('mrr_customer_changes')}
	)),
	pdelta AS (
		SELECT day, customer_id, plan, sum(v) AS delta FROM (
			SELECT day, customer_id, plan, mrr_usd AS v FROM cp WHERE day >= {from:Date}
			UNION ALL
			SELECT day_after AS day, customer_id, plan, -mrr_usd AS v FROM cp WHERE day_after < {to:Date}
		) WHERE 1 = 1${planFilter} GROUP BY day, customer_id, plan HAVING delta != 0
	),
	levels AS (
		SELECT day${byPlan ? ', plan' : ''}, sum(mrr_usd) AS mrr FROM cp WHERE 1 = 1${planFilter} GROUP BY day${byPlan ? ', plan' : ''}
	)
SELECT
	${[...keys.map((k) => `m.${k} AS ${k}`), 'm.value AS value', 'o.mrr AS opening_mrr', 'c.mrr AS closing_mrr'].join(',\n\t')}
FROM (
	SELECT ${[...(g === 'total' ? [] : [`${periodExpr[g]} AS period`]), ...req.group_by, 'sum(delta) AS value'].join(', ')},
		any(${openDay}) AS open_day, any(${closeDay}) AS close_day
	FROM (
		SELECT p.day AS day, p.plan AS plan, l.movement AS movement, p.delta AS delta
		FROM pdelta AS p INNER JOIN labels AS l ON l.day = p.day AND l.customer_id = p.customer_id${zeroFill}
	)
	WHERE day >= {from:Date} AND day < {to:Date}${moveFilter}
	${keys.length ? `GROUP BY ${keys.join(', ')}` : ''}
) AS m
${levelJoin('o', 'open_day')}
${levelJoin('c', 'close_day')}
${keys.length ? `ORDER BY ${keys.map((k) => `m.${k}`).join(', ')}` : ''}`;
}

defineMetric({
	id: 'mrr_movements',
	title: 'MRR movements',
	unit: 'usd',
	higherIsBetter: true,
	definition:
		"Change of MRR over the period, by movement: new (a customer's first MRR), reactivation (MRR again after a gap), expansion, contraction, churn (MRR falls to 0). Each day, each customer's total MRR change against the day before is classified; by plan the change is split across the plans involved (an upgrade shows a negative expansion in the old plan and a positive one in the new). opening_mrr (end of the day before the period) + Σ movements = closing_mrr (end of the period's last day), exactly.",
	sources: [{ file: 'mrr_daily', dimensions: ['movement', 'plan'] }],
	value: 'sum(delta)',
	components: { opening_mrr: 'opening_mrr', closing_mrr: 'closing_mrr' },
	build: (req) => ({ file: 'sql/metrics/mrr_daily.sql', sql: movementsSql(req) }),
	drilldown: 'mrr_changes',
	drilldownHasUserRows: true
});
