import type { PageState } from '../../url-state.js';
import type { MrrPolicy } from '../../contracts/mrr-policy.js';
import { mrrParams } from '../metrics/mrr-policy.js';
import { metricSql } from '../metrics/sql-files.js';
import { namingMissingFxRate } from '../metrics/fx.js';
import { query } from '../warehouse/index.js';

/**
 * Row-level tables of the Revenue page. They read the same SQL files as the
 * metrics (mrr_customer_changes, subscription_revenue_daily), so a row here
 * adds up to the number in the chart beside it. Never throw: a failing table
 * shows its error and the page still renders.
 */

export type Rows<T> = { ok: true; rows: T[] } | { ok: false; error: string };

export type MoverRow = {
	day: string;
	user_id: string;
	customer_id: string;
	movement: string;
	prev_plan: string;
	cur_plan: string;
	prev_mrr: number;
	cur_mrr: number;
	delta: number;
};

const planClause = (state: PageState, col: string) => (state.filters.plan?.length ? ` AND ${col} IN {f_plan:Array(String)}` : '');
const params = (state: PageState) => ({ from: state.from, to: state.to, ...(state.filters.plan?.length ? { f_plan: state.filters.plan } : {}) });

/** Upgrades, downgrades and churns of the period, largest MRR change first, counted as `mrr` asks (source, policies). */
export async function topMovers(state: PageState, mrr?: MrrPolicy, limit = 100): Promise<Rows<MoverRow>> {
	try {
		// A missing exchange rate is named (currency and day) like in every metric (metrics/fx.ts).
		const rows = await namingMissingFxRate(params(state), () => query<MoverRow>(
			`SELECT day, user_id, customer_id, movement, prev_plan, cur_plan,
				toFloat64(prev_mrr) AS prev_mrr, toFloat64(cur_mrr) AS cur_mrr, toFloat64(delta) AS delta
			FROM (
${metricSql('mrr_customer_changes')}
			)
			WHERE delta != 0 AND movement IN ('expansion', 'contraction', 'churn')${planClause(state, 'if(movement = \'churn\', prev_plan, cur_plan)')}
			ORDER BY abs(delta) DESC, day, customer_id
			LIMIT {limit:UInt32}`,
			{ tag: 'revenue:top-movers', params: { ...params(state), ...mrrParams(mrr), limit } }
		));
		return { ok: true, rows };
	} catch (e) {
		return { ok: false, error: (e as Error).message };
	}
}

export type RefundRow = {
	day: string;
	user_id: string;
	plan: string;
	component: string;
	currency: string;
	amount_original: number;
	amount_usd: number;
};

/** Refunds and credit notes of the period, per user, plan and day (negative amounts, USD, and in the currency billed). */
export async function refundRows(state: PageState): Promise<Rows<RefundRow>> {
	try {
		const rows = await namingMissingFxRate(params(state), () => query<RefundRow>(
			`SELECT day, user_id, plan, component, currency, toFloat64(amount_original) AS amount_original, toFloat64(amount_usd) AS amount_usd
			FROM (
${metricSql('subscription_revenue_daily')}
			)
			WHERE component != 'invoice_line' AND day >= {from:Date} AND day < {to:Date}${planClause(state, 'plan')}
			ORDER BY day, user_id`,
			{ tag: 'revenue:refunds', params: params(state) }
		));
		return { ok: true, rows };
	} catch (e) {
		return { ok: false, error: (e as Error).message };
	}
}
