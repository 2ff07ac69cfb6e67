import type { MrrPolicy, ResolvedMrrPolicy } from '../../contracts/mrr-policy.js';
import { readConfig } from '../config.js';
import type { Params } from '../warehouse/index.js';

/** The request's MRR knobs, each unset one taken from the configured default. */
export function resolveMrrPolicy(policy: MrrPolicy | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedMrrPolicy {
	const config = readConfig(env);
	return {
		source: policy?.source ?? config.LOOPMETER_MRR_SOURCE,
		discounts: policy?.discounts ?? config.LOOPMETER_MRR_DISCOUNTS,
		churn: policy?.churn ?? config.LOOPMETER_MRR_CHURN
	};
}

/** Coupon durations each discount policy subtracts (`once` coupons touch one invoice: never MRR). */
const DISCOUNTED_DURATIONS: Record<ResolvedMrrPolicy['discounts'], string[]> = {
	forever: ['forever'],
	recurring: ['forever', 'repeating'],
	gross: []
};

/**
 * The policy as typed query parameters of sql/metrics/mrr_plan_changes.sql and
 * what it includes. Every metric query gets them (unused ones are harmless), so
 * drill-downs and page tables that read the MRR files follow the same request.
 */
export function mrrParams(policy: MrrPolicy | undefined): Params {
	const p = resolveMrrPolicy(policy);
	return { mrr_source: p.source, mrr_discount_durations: DISCOUNTED_DURATIONS[p.discounts], mrr_churn_at_request: p.churn === 'request' ? 1 : 0 };
}
