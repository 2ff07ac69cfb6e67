import { ADJECTIVES, CAMERAS, MOODS, OPENERS, REMIX_SUFFIXES, STYLES, TIMES, TOPICS, TREND_ENDINGS } from './catalog.js';
import type { Random } from './random.js';
import { DAY } from './scenario.js';

export type CreatorKind = 'human' | 'ai_assisted' | 'ai_generated';
export type CameoConsent = 'none' | 'granted' | 'revoked';

export interface Video {
	index: number;
	id: string;
	createdMs: number;
	creatorId: string;
	creatorKind: CreatorKind;
	durationMs: number;
	topic: number;
	caption: string;
	/** Parent video index, -1 for originals. */
	parent: number;
	depth: number;
	requestId: string;
	cameoUserIds: string[];
	cameoConsent: CameoConsent;
	copyright: boolean;
	/** A remix or a trend copy: near-duplicate of something earlier. */
	derivative: boolean;
	/** How catchy it is; the ranking favours it. */
	appeal: number;
}

export function originalCaption(rng: Random, topic: number): string {
	const t = TOPICS[topic]!;
	return `${rng.pick(OPENERS)} ${scene(rng, topic)}, ${rng.pick(STYLES)} ${rng.pick(CAMERAS)}, ${rng.pick(MOODS)}`;
}

/** "a sleepy fluffy corgi steals a whole croissant at the beach at dawn" */
function scene(rng: Random, topic: number): string {
	const t = TOPICS[topic]!;
	const subject = rng.pick(t.subjects);
	const space = subject.indexOf(' ');
	return `${subject.slice(0, space)} ${rng.pick(ADJECTIVES)}${subject.slice(space)} ${rng.pick(t.actions)} ${rng.pick(t.places)} ${rng.pick(TIMES)}`;
}

export function remixCaption(rng: Random, parent: string): string {
	return `${parent} ${rng.pick(REMIX_SUFFIXES)}`;
}

/** A trend: the same caption copied with only its last word swapped. */
export interface Trend {
	topic: number;
	stem: string;
	startedMs: number;
}

export function newTrend(rng: Random, topic: number, startedMs: number): Trend {
	return { topic, startedMs, stem: `${rng.pick(OPENERS)} ${scene(rng, topic)}, ${rng.pick(STYLES)} ${rng.pick(CAMERAS)} and it goes viral` };
}

export function trendCaption(rng: Random, trend: Trend): string {
	return `${trend.stem} ${rng.pick(TREND_ENDINGS)}`;
}

export function videoDurationMs(rng: Random): number {
	const seconds = [6, 8, 10, 10, 12, 15, 15, 20, 30, 45, 60][rng.int(0, 10)]!;
	return seconds * 1000 + rng.int(0, 999);
}

/**
 * Videos a feed can serve on a day: those created in the last WINDOW_DAYS, per
 * topic, all and derivative-only. Arrays only grow; `head` skips expired ones.
 */
export class VideoPools {
	private all: number[][] = TOPICS.map(() => []);
	private derivative: number[][] = TOPICS.map(() => []);
	private headAll: number[] = TOPICS.map(() => 0);
	private headDerivative: number[] = TOPICS.map(() => 0);
	static readonly WINDOW_DAYS = 12;

	constructor(private readonly videos: Video[]) {}

	add(v: Video): void {
		this.all[v.topic]!.push(v.index);
		if (v.derivative) this.derivative[v.topic]!.push(v.index);
	}

	/** Drop videos older than the window as of `nowMs`. */
	expire(nowMs: number): void {
		const cutoff = nowMs - VideoPools.WINDOW_DAYS * DAY;
		for (let t = 0; t < TOPICS.length; t++) {
			this.headAll[t] = advance(this.all[t]!, this.headAll[t]!, this.videos, cutoff);
			this.headDerivative[t] = advance(this.derivative[t]!, this.headDerivative[t]!, this.videos, cutoff);
		}
	}

	size(topic: number, derivative: boolean): number {
		return derivative ? this.derivative[topic]!.length - this.headDerivative[topic]! : this.all[topic]!.length - this.headAll[topic]!;
	}

	/**
	 * Ranking stand-in: `candidates` draws skewed to recent videos, the most
	 * appealing wins; `depthBias` > 0 also rewards deep remix chains (what a
	 * watch-time objective learns to surface).
	 */
	pick(rng: Random, topic: number, derivative: boolean, candidates: number, depthBias: number): Video | undefined {
		const list = derivative ? this.derivative[topic]! : this.all[topic]!;
		const head = derivative ? this.headDerivative[topic]! : this.headAll[topic]!;
		const n = list.length - head;
		if (n <= 0) return undefined;
		let best: Video | undefined;
		let bestScore = -1;
		for (let c = 0; c < candidates; c++) {
			const v = this.videos[list[list.length - 1 - Math.floor(n * rng.next() * Math.sqrt(rng.next()))]!]!;
			const score = v.appeal * (1 + depthBias * v.depth);
			if (score > bestScore) {
				best = v;
				bestScore = score;
			}
		}
		return best;
	}
}

function advance(list: number[], head: number, videos: Video[], cutoff: number): number {
	while (head < list.length && videos[list[head]!]!.createdMs < cutoff) head++;
	return head;
}
