import { query, type Params } from '../warehouse/index.js';
import { MetricRequestError } from './build-query.js';
import { metricSql } from './sql-files.js';

/**
 * Stripe amounts in other currencies are converted to USD at the fx_rates rate
 * of the day (sql/migrations/0084_fx_rates_current.sql). SQL that converts
 * stops with FX_RATE_MISSING when a needed rate is absent (a converted figure
 * is never a silent zero); ClickHouse only allows a constant message there, so
 * this module turns that failure into one naming the currency and the day.
 */

const MARKER = 'FX_RATE_MISSING';

export interface MissingRate {
	currency: string;
	day: string;
}

/** A figure needs a rate fx_rates does not have; the message names currency and day and says how to fix it. */
export class MissingFxRateError extends MetricRequestError {
	constructor(readonly missing: MissingRate[]) {
		const first = missing[0];
		const list = missing.map((m) => `${m.currency} on ${m.day}`).join(', ');
		super(
			'fx_rates',
			first
				? `no rate for ${first.currency} on ${first.day}: Stripe amounts in ${first.currency} are converted to USD at each day's rate, so this figure cannot be computed (missing: ${list}${missing.length >= 5 ? ', …' : ''}). Load the rates with \`loopmeter ingest fx_rates <file>\`.`
				: 'a rate needed to convert Stripe amounts to USD is missing from fx_rates. Load the rates with `loopmeter ingest fx_rates <file>`.'
		);
		this.name = 'MissingFxRateError';
	}
}

export function isMissingFxRate(e: unknown): boolean {
	return e instanceof Error && e.message.includes(MARKER);
}

/** The missing (currency, day) pairs up to `to`, those of the period first (at most five). */
export async function missingFxRates(params: { from: string; to: string }): Promise<MissingRate[]> {
	return query<MissingRate>(metricSql('fx_missing_rates'), { tag: 'fx:missing', params: { from: params.from, to: params.to } });
}

/**
 * Runs `run`; if it stopped for a missing rate, throws MissingFxRateError
 * naming it instead (any other failure passes through unchanged).
 */
export async function namingMissingFxRate<T>(params: Params, run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (e) {
		if (!isMissingFxRate(e)) throw e;
		const period = { from: String(params.from ?? '1970-01-01'), to: String(params.to ?? '2299-12-31') };
		throw new MissingFxRateError(await missingFxRates(period));
	}
}
