import { z } from 'zod';

/**
 * How MRR is counted (docs/metrics.md "Revenue" and the revenue policies of
 * "Finance depth"). Each knob is optional in a request: the server's configured
 * default applies (LOOPMETER_MRR_SOURCE, LOOPMETER_MRR_DISCOUNTS, LOOPMETER_MRR_CHURN).
 */
export const mrrSources = ['subscriptions', 'invoices'] as const;
/** forever: only `forever` coupons reduce MRR (Stripe's default); recurring: `repeating` ones too while in force; gross: none. */
export const mrrDiscountPolicies = ['forever', 'recurring', 'gross'] as const;
/** period_end: churn when the subscription ends; request: from the moment the cancellation is asked for. */
export const mrrChurnPolicies = ['period_end', 'request'] as const;

export const mrrSource = z.enum(mrrSources, { message: `mrr_source must be one of: ${mrrSources.join(', ')}` });
export const mrrDiscounts = z.enum(mrrDiscountPolicies, { message: `mrr_discounts must be one of: ${mrrDiscountPolicies.join(', ')}` });
export const mrrChurn = z.enum(mrrChurnPolicies, { message: `mrr_churn must be one of: ${mrrChurnPolicies.join(', ')}` });

export const mrrPolicy = z.object({ source: mrrSource.optional(), discounts: mrrDiscounts.optional(), churn: mrrChurn.optional() }).strict();
export type MrrPolicy = z.infer<typeof mrrPolicy>;
export type ResolvedMrrPolicy = Required<MrrPolicy>;

/** Query-string names of the knobs (API, page URLs); the CLI flags are the same with dashes. */
export const mrrPolicyParams = { source: 'mrr_source', discounts: 'mrr_discounts', churn: 'mrr_churn' } as const satisfies Record<keyof MrrPolicy, string>;

/** What each choice means, for the Revenue page and the glossary. */
export const mrrPolicyLabels = {
	source: {
		subscriptions: "from the subscriptions' state each day (Stripe's convention; default)",
		invoices: 'from the recurring lines of paid and open invoices over the period they cover'
	},
	discounts: {
		forever: 'net of forever coupons only (Stripe default)',
		recurring: 'net of every recurring discount (forever and repeating, while in force)',
		gross: 'gross of discounts'
	},
	churn: {
		period_end: 'churn when the subscription ends (end of the paid period)',
		request: 'churn when the cancellation is requested'
	}
} as const;

/** The knobs a page URL sets (`?mrr_source=invoices…`); a bad value is dropped and reported, not fatal. */
export function mrrPolicyFromSearchParams(sp: URLSearchParams): { policy: MrrPolicy; problem?: string } {
	const raw = Object.fromEntries(Object.entries(mrrPolicyParams).flatMap(([knob, name]) => (sp.get(name) ? [[knob, sp.get(name)!]] : [])));
	const parsed = mrrPolicy.safeParse(raw);
	if (parsed.success) return { policy: parsed.data };
	return { policy: {}, problem: `${parsed.error.issues[0]!.message}; the defaults are shown` };
}
