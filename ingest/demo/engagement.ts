import { SURFACES, SURFACE_WEIGHTS, TOPICS } from './catalog.js';
import type { Video, VideoPools } from './content.js';
import type { FeedMode, User } from './population.js';
import type { Random } from './random.js';
import { REC_ARMS } from './scenario.js';

/** Local hour-of-day weights of session starts: evening peak, a small late-night tail (00–05). */
const HOUR_WEIGHTS = [3, 2, 1.2, 0.8, 0.6, 0.8, 1.5, 3, 3.5, 3, 3, 3.2, 4.5, 4, 3.5, 3.5, 4, 4.5, 5.5, 6.5, 7.5, 8, 7, 5];
const TOPIC_WEIGHTS = TOPICS.map((t) => t.weight);

/** Columns of the engagement CSV (docs/data.md), in the order userDay writes them. */
export const IMPRESSION_COLUMNS = [
	'impression_id', 'ts', 'user_id', 'session_id', 'video_id', 'watch_ms', 'video_duration_ms', 'position', 'surface', 'feed_mode', 'rec_arm',
	'autoplay', 'liked', 'shared', 'commented', 'followed', 'not_interested', 'reported', 'country', 'platform', 'tz_offset_min', 'is_internal'
] as const;

export interface DayContext {
	rng: Random;
	pools: VideoPools;
	dayStartMs: number;
	/** End of the scenario: a late session stops there. */
	endMs: number;
	/** Days since the feed-mode launch (negative before). */
	daysSinceModeLaunch: number;
	/** Share of mode-choosers who have adopted their mode. */
	modeAdoption: number;
	nextImpressionId(): string;
	nextSessionId(): string;
	/** One CSV line of IMPRESSION_COLUMNS (no value ever needs quoting). */
	emit(line: string): void;
	/** Cameo ids whose consent is currently missing are reported more. */
	isSensitive(v: Video): boolean;
}

/**
 * One active day of one user: sessions of impressions. `rl` is how far the
 * rl-watchtime degradation has progressed for this user (0 = control). Returns
 * the number of ad-eligible (feed, non-internal) impressions.
 */
export function userDay(ctx: DayContext, u: User, rl: number): number {
	const { rng } = ctx;
	const arm = rl > 0 ? REC_ARMS.degrading : REC_ARMS.control;
	const sessions = u.internal ? 2 : 1 + rng.poisson(u.engagement === 'heavy' ? 0.8 : u.engagement === 'regular' ? 0.3 : 0.1);
	let adEligible = 0;
	for (let s = 0; s < sessions; s++) {
		const mode = feedMode(ctx, u);
		const energizedFatigue = mode === 'energized' ? Math.min(1, Math.max(0, ctx.daysSinceModeLaunch) / 45) : 0;
		const lateBoost = (1 + 1.6 * rl) * (mode === 'energized' ? 1.4 : mode === 'relaxed' ? 0.7 : 1);
		const hour = rng.weightedIndex(HOUR_WEIGHTS.map((w, h) => (h < 5 ? w * lateBoost : w)));
		const localMinute = hour * 60 + rng.int(0, 59);
		let t = ctx.dayStartMs + ((((localMinute - u.tz) % 1440) + 1440) % 1440) * 60_000 + rng.int(0, 59_999);
		const binge = !u.internal && rng.chance(0.004 + 0.008 * rl + (mode === 'energized' ? 0.005 : mode === 'relaxed' ? -0.002 : 0));
		const base = u.engagement === 'heavy' ? 5 : u.engagement === 'regular' ? 3.6 : 3;
		const count = u.bot ? 30 : u.internal ? 10 : binge ? 110 + rng.geometric(40) : Math.min(150, rng.geometric(base * (1 + 0.2 * rl) * (mode === 'energized' ? 1.15 : mode === 'relaxed' ? 0.9 : 1)));
		const sessionId = ctx.nextSessionId();
		const favoriteShare = Math.min(0.95, 0.5 + 0.35 * rl + (mode === 'energized' ? 0.1 : mode === 'relaxed' ? -0.15 : 0));
		const derivativeShare = Math.max(0, 0.08 + 0.22 * rl + (mode === 'energized' ? 0.06 : mode === 'relaxed' ? -0.04 : 0));
		const surface0 = SURFACES[rng.weightedIndex(SURFACE_WEIGHTS)]!;
		for (let position = 0; position < count && t < ctx.endMs; position++) {
			const favorite = rng.chance(favoriteShare);
			const topic = favorite ? u.favorites[rng.weightedIndex(u.favoriteWeights)]! : rng.weightedIndex(TOPIC_WEIGHTS);
			const wantDerivative = rng.chance(derivativeShare);
			const v =
				(wantDerivative ? ctx.pools.pick(rng, topic, true, rl > 0 ? 3 : 2, 0.5 * rl) : undefined) ??
				ctx.pools.pick(rng, topic, false, rl > 0 ? 3 : 2, 0.1 * rl) ??
				ctx.pools.pick(rng, rng.weightedIndex(TOPIC_WEIGHTS), false, 2, 0);
			if (!v) break;
			// Sessions start on a surface and move to the feed after the first video.
			const surface = position === 0 ? surface0 : 'feed';
			const autoplay = surface === 'feed' && position > 0 && rng.chance(binge ? 0.97 : 0.82 + 0.12 * rl);
			const watch = watchMs(rng, u, v, rl, binge);
			const skipped = watch < 2000;
			const sat = skipped ? 0.05 : (1 - 0.3 * rl) * (v.derivative ? 0.75 : 1) * (favorite ? 1.1 : 1) * (mode === 'relaxed' ? 1.12 : 1 - 0.25 * energizedFatigue);
			const human = !u.internal;
			const liked = human && rng.chance(0.09 * sat);
			const shared = human && rng.chance(0.016 * sat);
			const commented = human && rng.chance(0.01 * sat);
			const followed = human && rng.chance(0.008 * sat);
			const notInterested = human && rng.chance(0.014 * (1 + 0.8 * rl) * (v.derivative ? 1.4 : 1) * (skipped ? 2 : 1));
			const reported = human && rng.chance(0.0012 * (ctx.isSensitive(v) ? 6 : 1));
			// Built as a string, not an object: this runs half a million times at start-up.
			ctx.emit(
				`${ctx.nextImpressionId()},${new Date(t).toISOString()},${u.id},${sessionId},${v.id},${watch},${v.durationMs},${position},${surface},${mode},${arm},` +
					`${autoplay},${liked},${shared},${commented},${followed},${notInterested},${reported},${u.country.code},${u.platform},${u.tz},${u.internal}\n`
			);
			if (human && surface === 'feed') adEligible++;
			t += watch + rng.int(300, 2500);
		}
	}
	return adEligible;
}

function feedMode(ctx: DayContext, u: User): FeedMode {
	if (u.internal || ctx.daysSinceModeLaunch < 0) return 'default';
	if (u.modeAdoptBucket < ctx.modeAdoption && ctx.rng.chance(0.8)) return u.modeChoice;
	// A few sessions try the other modes as they launch.
	if (ctx.rng.chance(0.04)) return ctx.rng.chance(0.5) ? 'relaxed' : 'energized';
	return 'default';
}

function watchMs(rng: Random, u: User, v: Video, rl: number, binge: boolean): number {
	if (u.bot) return rng.int(300, 1500);
	const skipP = binge ? 0.08 : 0.24 - 0.07 * rl - (v.derivative ? 0.02 : 0);
	if (rng.chance(skipP)) return rng.int(250, 1950);
	let fraction = 0.25 + 0.75 * Math.pow(rng.next(), 0.8 - 0.35 * rl);
	if (binge) fraction = Math.max(fraction, 0.7 + 0.3 * rng.next());
	// Short clips get rewatched; the watch-time objective learns to loop them.
	if (v.durationMs < 20_000 && rng.chance(0.08 + 0.1 * rl)) fraction += 1 + rng.next();
	return Math.max(2000, Math.round(fraction * v.durationMs));
}
