/**
 * The demo story's constants, in one place so tests and pages refer to them
 * instead of hard-coding dates or prices. Day numbers count from the first
 * day of the scenario (day 0 = `start`); with `--days` other than the default,
 * every story day is scaled in proportion (`storyFor`).
 */

const DAY_MS = 86_400_000;

export const DEFAULT_DAYS = 182;
/** Exclusive end of the scenario (UTC). */
export const END_DATE = '2026-11-01';

/** Story beats as day numbers of the default 182-day scenario. */
const BEATS = {
	/** Burst capacity rented from a second provider while demand outgrows the first cluster. */
	burstClusterDay: 40,
	/** The owned H200 cluster comes online; the burst rental is returned the same day. */
	ownedClusterDay: 75,
	/** The `rl-watchtime` recommender starts serving a share of users. */
	rolloutDay: 90,
	/** Its share has reached its plateau. */
	rolloutPlateauDay: 150,
	/** `relaxed` and `energized` feed modes launched beside `default`. */
	feedModeLaunchDay: 110,
	/** The rental provider cuts its H100 price. */
	gpuPriceCutDay: 121,
	/** Launch coupon offered to new subscribers until this day. */
	couponUntilDay: 60,
	/** Cameo consent revocations happen from this day on. */
	revocationsFromDay: 120,
	/** A second owned cluster of the next GPU generation (B200) comes online, priced by its price sheet. */
	secondGenerationDay: 160
} as const;

export type StoryBeats = { [K in keyof typeof BEATS]: number };

export const PLANS = {
	free: { usd_per_month: 0 },
	plus: { usd_per_month: 20, usd_per_year: 192 },
	pro: { usd_per_month: 200 }
} as const;
export type Plan = keyof typeof PLANS;

/** Stripe prices of the scenario; the app maps them to plans by `lookup_key` and product `metadata.plan`. */
export const PRICES = [
	{ lookup_key: 'plus_monthly', plan: 'plus', unit_amount: 2000, interval: 'month' },
	{ lookup_key: 'plus_yearly', plan: 'plus', unit_amount: 19200, interval: 'year' },
	{ lookup_key: 'pro_monthly', plan: 'pro', unit_amount: 20000, interval: 'month' }
] as const;
export type PriceKey = (typeof PRICES)[number]['lookup_key'];

export const COUPON = { id: 'LAUNCH25', name: 'Launch offer: 25% off for 3 months', percent_off: 25, duration_in_months: 3 } as const;
/** The retention offer of the billing beats: a forever coupon added mid-period. */
export const LOYALTY_COUPON = { id: 'LOYALTY20', name: 'Loyalty: 20% off, forever', percent_off: 20 } as const;

/**
 * Subscription changes that come without an invoice, one account each, so the
 * Revenue page's MRR chart and waterfall show them on their day (MRR follows
 * the subscription; invoices would show them only at the next renewal).
 * Days count back from the end of the story.
 */
export const BILLING_BEATS = {
	/** Pro → Plus mid-period with proration_behavior=none: a contraction of $180. */
	downgradeNoProration: { startsDaysBeforeEnd: 75, daysBeforeEnd: 40 },
	/** Plus → Pro mid-period without proration: an expansion of $180. */
	upgradeNoProration: { startsDaysBeforeEnd: 62, daysBeforeEnd: 30 },
	/** LOYALTY20 added to a Plus subscription mid-period: a contraction of $4. */
	foreverCoupon: { startsDaysBeforeEnd: 70, daysBeforeEnd: 35 },
	/** A 14-day Pro trial: 0 while trialing, new MRR of $200 when it converts. */
	trial: { startsDaysBeforeEnd: 50, daysBeforeEnd: 36 },
	/** A Plus subscription paused (pause_collection) and resumed: churn, then reactivation, of $20. */
	pause: { startsDaysBeforeEnd: 80, daysBeforeEnd: 45, resumesDaysBeforeEnd: 25 }
} as const;

export const REC_ARMS = { control: 'control', degrading: 'rl-watchtime' } as const;
/** Share of (non-internal) users served by `rl-watchtime` once the rollout has plateaued. */
export const ROLLOUT_PLATEAU_SHARE = 0.7;
export const FEED_MODES = ['default', 'relaxed', 'energized'] as const;
/** The feed mode that holds up better for long-term satisfaction. */
export const BETTER_FEED_MODE = 'relaxed';

/** GPU prices: H100 rental before/after the price cut, and the owned H200 cluster's cost inputs. */
export const GPU_PRICES = {
	h100RentalBefore: 2.4,
	h100RentalAfter: 1.85,
	/**
	 * The rate first entered for the H100 row from the price cut: a typo, corrected to
	 * h100RentalAfter after September was closed (the providers' invoices bill the right
	 * rate), so the demo shows a restatement of a closed month (docs/finance.md).
	 */
	h100RentalAfterFirstLoaded: 1.79,
	burstRental: 2.95,
	h200: { purchase_usd_per_gpu: 32000, amortization_months: 48, power_watts: 1000, pue: 1.25, usd_per_kwh: 0.09, maintenance_usd_per_gpu_month: 150 },
	/** The next generation's price sheet (gpu_price_sheets) and its site's power terms (on the fleet row). */
	b200: { purchase_usd_per_gpu: 45000, amortization_months: 48, power_watts: 1200, pue: 1.2, usd_per_kwh: 0.09, maintenance_usd_per_gpu_month: 180 }
} as const;

/** Clusters and their GPU counts at the default 3 000 users (scaled with --users). */
export const CLUSTERS = {
	rented: { cluster: 'rent-h100-a', gpu_type: 'H100', gpus: 3 },
	burst: { cluster: 'burst-h100-b', gpu_type: 'H100', gpus: 2 },
	owned: { cluster: 'own-h200-a', gpu_type: 'H200', gpus: 4 },
	nextGeneration: { cluster: 'own-b200-a', gpu_type: 'B200', gpus: 2 }
} as const;

export interface Story extends StoryBeats {
	days: number;
	startMs: number;
	endMs: number;
	/** ISO date (YYYY-MM-DD) of a story day. */
	date(day: number): string;
}

/** The story for a scenario of `days` days ending on END_DATE. */
export function storyFor(days = DEFAULT_DAYS): Story {
	const endMs = Date.parse(`${END_DATE}T00:00:00Z`);
	const startMs = endMs - days * DAY_MS;
	const scale = (d: number) => Math.min(days - 1, Math.max(1, Math.round((d * days) / DEFAULT_DAYS)));
	const beats = Object.fromEntries(Object.entries(BEATS).map(([k, v]) => [k, scale(v)])) as StoryBeats;
	return {
		...beats,
		days,
		startMs,
		endMs,
		date: (day: number) => new Date(startMs + day * DAY_MS).toISOString().slice(0, 10)
	};
}

const story = storyFor();

/** The default story, with dates resolved; what pages and tests should refer to. */
export const SCENARIO = {
	days: DEFAULT_DAYS,
	start: story.date(0),
	end: END_DATE,
	plans: PLANS,
	prices: PRICES,
	coupon: COUPON,
	loyaltyCoupon: LOYALTY_COUPON,
	/** Dates of the billing beats (BILLING_BEATS), as YYYY-MM-DD. */
	billingBeats: {
		downgradeNoProration: story.date(DEFAULT_DAYS - BILLING_BEATS.downgradeNoProration.daysBeforeEnd),
		upgradeNoProration: story.date(DEFAULT_DAYS - BILLING_BEATS.upgradeNoProration.daysBeforeEnd),
		foreverCoupon: story.date(DEFAULT_DAYS - BILLING_BEATS.foreverCoupon.daysBeforeEnd),
		trialConverts: story.date(DEFAULT_DAYS - BILLING_BEATS.trial.daysBeforeEnd),
		paused: story.date(DEFAULT_DAYS - BILLING_BEATS.pause.daysBeforeEnd),
		resumed: story.date(DEFAULT_DAYS - BILLING_BEATS.pause.resumesDaysBeforeEnd)
	},
	recArms: REC_ARMS,
	rolloutPlateauShare: ROLLOUT_PLATEAU_SHARE,
	feedModes: FEED_MODES,
	betterFeedMode: BETTER_FEED_MODE,
	gpuPrices: GPU_PRICES,
	clusters: CLUSTERS,
	beats: BEATS,
	burstClusterDate: story.date(story.burstClusterDay),
	ownedClusterDate: story.date(story.ownedClusterDay),
	rolloutDate: story.date(story.rolloutDay),
	rolloutPlateauDate: story.date(story.rolloutPlateauDay),
	feedModeLaunchDate: story.date(story.feedModeLaunchDay),
	gpuPriceCutDate: story.date(story.gpuPriceCutDay),
	couponUntilDate: story.date(story.couponUntilDay),
	revocationsFromDate: story.date(story.revocationsFromDay),
	secondGenerationDate: story.date(story.secondGenerationDay)
} as const;

export const DAY = DAY_MS;
