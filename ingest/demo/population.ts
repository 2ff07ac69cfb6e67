import { COUNTRIES, PLATFORMS, PLATFORM_WEIGHTS, TOPICS, type Country } from './catalog.js';
import type { Random } from './random.js';
import { DAY, FEED_MODES, ROLLOUT_PLATEAU_SHARE, type Plan, type Story } from './scenario.js';

export type Engagement = 'dabbler' | 'regular' | 'heavy';
export type FeedMode = (typeof FEED_MODES)[number];

export interface User {
	index: number;
	id: string;
	signupMs: number;
	/** Story day of signup; negative for accounts older than the scenario. */
	signupDay: number;
	country: Country;
	tz: number;
	platform: (typeof PLATFORMS)[number];
	engagement: Engagement;
	/** Day after which the user has mostly stopped coming back. */
	lapseDay: number;
	/** Preferred topics (indices into TOPICS) and their weights. */
	favorites: number[];
	favoriteWeights: number[];
	/** Position in the rollout: served by rl-watchtime once the rollout share passes it. */
	rolloutBucket: number;
	/** Feed mode the user settles on if they adopt modes, and when (share of adopters grows). */
	modeChoice: FeedMode;
	modeAdoptBucket: number;
	/** Makes videos (most viewers never do). */
	creator: boolean;
	internal: boolean;
	bot: boolean;
	plan: Plan;
	stripeCustomerId: string;
}

const ENGAGEMENT_MIX: Record<Engagement, { share: number; pActive: number; lapseMeanDays: number }> = {
	dabbler: { share: 0.45, pActive: 0.07, lapseMeanDays: 12 },
	regular: { share: 0.4, pActive: 0.3, lapseMeanDays: 140 },
	heavy: { share: 0.15, pActive: 0.72, lapseMeanDays: 420 }
};

/** Share of accounts that existed before the scenario starts (the app launched earlier). */
const PRE_EXISTING_SHARE = 0.3;
const PRE_HISTORY_DAYS = 240;

export function makeUsers(rng: Random, count: number, story: Story): User[] {
	const internalCount = Math.max(4, Math.round(count * 0.003));
	const signups: number[] = [];
	for (let i = 0; i < count; i++) signups.push(signupMs(rng, story, i < internalCount));
	// Ids in signup order: u000001 is the oldest account.
	const order = signups.map((ms, i) => ({ ms, i })).sort((a, b) => a.ms - b.ms || a.i - b.i);
	const internalSet = new Set(Array.from({ length: internalCount }, (_, i) => i));
	const topicWeights = TOPICS.map((t) => t.weight);
	return order.map(({ ms, i }, index) => {
		const country = COUNTRIES[rng.weightedIndex(COUNTRIES.map((c) => c.weight))]!;
		const r = rng.next();
		const engagement: Engagement = r < ENGAGEMENT_MIX.dabbler.share ? 'dabbler' : r < 1 - ENGAGEMENT_MIX.heavy.share ? 'regular' : 'heavy';
		const signupDay = Math.floor((ms - story.startMs) / DAY);
		const favorites: number[] = [];
		while (favorites.length < 3) {
			const t = rng.weightedIndex(topicWeights);
			if (!favorites.includes(t)) favorites.push(t);
		}
		const internal = internalSet.has(i);
		return {
			index,
			id: `u${String(index + 1).padStart(6, '0')}`,
			signupMs: ms,
			signupDay,
			country,
			tz: rng.pick(country.tz),
			platform: PLATFORMS[rng.weightedIndex(PLATFORM_WEIGHTS)]!,
			engagement: internal ? 'heavy' : engagement,
			lapseDay: signupDay + Math.round(rng.exponential(ENGAGEMENT_MIX[engagement].lapseMeanDays)),
			favorites,
			favoriteWeights: [0.55, 0.3, 0.15],
			rolloutBucket: rng.next(),
			modeChoice: rng.chance(0.55) ? 'relaxed' : 'energized',
			modeAdoptBucket: rng.next(),
			creator: rng.chance(engagement === 'heavy' ? 0.55 : engagement === 'regular' ? 0.3 : 0.08),
			internal,
			// A third of the internal accounts are crawlers/QA bots, the rest staff.
			bot: internal && i % 3 === 2,
			plan: 'free',
			stripeCustomerId: ''
		};
	});
}

function signupMs(rng: Random, story: Story, internal: boolean): number {
	if (internal || rng.chance(PRE_EXISTING_SHARE)) {
		return story.startMs - Math.floor(rng.next() * PRE_HISTORY_DAYS * DAY) - DAY;
	}
	// Signups accelerate: density ∝ 1 + 2t over the scenario, sampled by inverting its CDF (t + t²)/2.
	const u = rng.next();
	const t = (-1 + Math.sqrt(1 + 8 * u)) / 2;
	return story.startMs + Math.floor(t * (story.endMs - story.startMs - DAY));
}

/** Probability that a user opens the app on a story day. */
export function activeProbability(u: User, day: number, rlIntensity: number, weekday: number): number {
	if (day < u.signupDay) return 0;
	if (u.internal) return 0.95;
	const age = day - u.signupDay;
	let p = ENGAGEMENT_MIX[u.engagement].pActive;
	// New accounts explore a lot in their first days.
	p *= 1 + 1.4 * Math.exp(-age / 4);
	if (day > u.lapseDay) p *= u.plan === 'free' ? 0.04 : 0.4;
	if (weekday === 0 || weekday === 6) p *= 1.1;
	// The degenerate case: time-on-feed optimization wears people out and they come back less.
	p *= 1 - 0.2 * rlIntensity;
	return Math.min(0.97, p);
}

/** Share of users served by rl-watchtime on a story day: 10% at rollout, growing to the plateau. */
export function rolloutShare(story: Story, day: number): number {
	if (day < story.rolloutDay) return 0;
	const span = Math.max(1, story.rolloutPlateauDay - story.rolloutDay);
	return Math.min(ROLLOUT_PLATEAU_SHARE, 0.1 + ((ROLLOUT_PLATEAU_SHARE - 0.1) * (day - story.rolloutDay)) / span);
}

/** First day the user is in the rl-watchtime arm, or Infinity. */
export function rolloutEntryDay(story: Story, bucket: number): number {
	if (bucket >= ROLLOUT_PLATEAU_SHARE) return Infinity;
	if (bucket < 0.1) return story.rolloutDay;
	const span = Math.max(1, story.rolloutPlateauDay - story.rolloutDay);
	return story.rolloutDay + Math.ceil(((bucket - 0.1) / (ROLLOUT_PLATEAU_SHARE - 0.1)) * span);
}

/** How far the degradation has progressed for an rl-watchtime user: 0 at entry, 1 after ~8 weeks. */
export function rlIntensity(story: Story, u: User, day: number): number {
	if (u.internal) return 0;
	const entry = rolloutEntryDay(story, u.rolloutBucket);
	if (day < entry) return 0;
	return Math.min(1, 0.15 + (day - entry) / 55);
}

/** Share of mode-choosing users who have adopted a non-default mode by a story day. */
export function modeAdoption(story: Story, day: number): number {
	if (day < story.feedModeLaunchDay) return 0;
	return Math.min(0.4, 0.12 + (0.28 * (day - story.feedModeLaunchDay)) / 40);
}
