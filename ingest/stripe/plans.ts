import type { Config } from '../../src/lib/server/config.js';

/** How Stripe prices become plan names (free, plus, pro…). Read from config. */
export interface PlanMapping {
	/** Product or price metadata key holding the plan name. */
	metadataKey: string;
	/** Explicit lookup_key → plan pairs. */
	lookupKeys: Record<string, string>;
}

export function planMapping(config: Pick<Config, 'STRIPE_PLAN_METADATA_KEY' | 'STRIPE_PLAN_LOOKUP_KEYS'>): PlanMapping {
	const lookupKeys: Record<string, string> = {};
	for (const pair of (config.STRIPE_PLAN_LOOKUP_KEYS ?? '').split(',').filter(Boolean)) {
		const [key, plan] = pair.split('=');
		lookupKeys[key!.trim()] = plan!.trim().toLowerCase();
	}
	return { metadataKey: config.STRIPE_PLAN_METADATA_KEY ?? 'plan', lookupKeys };
}

/** "pro_monthly" → "pro" unless the mapping says otherwise; '' for no lookup_key. */
export function planFromLookupKey(lookupKey: string, mapping: PlanMapping): string {
	if (!lookupKey) return '';
	return mapping.lookupKeys[lookupKey] ?? lookupKey.split(/[_\-.:\s]/)[0]!.toLowerCase();
}
