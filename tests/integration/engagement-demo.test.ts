import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import type { MetricId, MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { evaluateAlerts } from '../../src/lib/server/alerts/evaluate.js';
import { runDemo, SCENARIO } from '../../ingest/demo/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// The demo scenario (seed 42, small scale) rolls out the `rl-watchtime` arm on
// SCENARIO.rolloutDate and reaches its plateau on SCENARIO.rolloutPlateauDate.
// Its slop indicators must be detected: worse than control once it is at its
// plateau, and the whole feed's divergence turns positive while it spreads.
const { open } = useTempWarehouse('loopmeter-engagement-demo-');
const RL = SCENARIO.recArms.degrading;
const CONTROL = SCENARIO.recArms.control;
const after = { from: SCENARIO.rolloutPlateauDate, to: SCENARIO.end };

beforeAll(async () => {
	await open();
	await runDemo({ scale: 'small' });
}, 900_000);

async function byArm(metric: MetricId, extra: Partial<MetricRequestInput> = {}): Promise<Record<string, MetricRow>> {
	const { response } = await runMetric({ metric, ...after, grain: 'total', group_by: ['rec_arm'], ...extra });
	return Object.fromEntries(response.rows.map((r) => [String(r.rec_arm), r]));
}
const n = (v: unknown) => v as number;

describe('the demo’s degrading arm is detected', () => {
	it('raises watch time per user while satisfaction, diversity and return rate fall', async () => {
		const watch = await byArm('sessions');
		expect(n(watch[RL]!.watch_hours_per_user)).toBeGreaterThan(n(watch[CONTROL]!.watch_hours_per_user));
		// Clear differences: the intervals do not overlap.
		const sat = await byArm('satisfaction_rate');
		expect(n(sat[RL]!.ci_high)).toBeLessThan(n(sat[CONTROL]!.ci_low));
		const div = await byArm('feed_diversity');
		expect(n(div[RL]!.ci_high)).toBeLessThan(n(div[CONTROL]!.ci_low));
		const ret = await byArm('return_rate');
		expect(n(ret[RL]!.value)).toBeLessThan(n(ret[CONTROL]!.value));
	});

	it('its slop components are worse than control’s', async () => {
		for (const metric of ['near_duplicate_share', 'late_night_share', 'autoplay_share'] as const) {
			const r = await byArm(metric);
			expect(n(r[RL]!.ci_low), metric).toBeGreaterThan(n(r[CONTROL]!.ci_high));
		}
		// Sessions over an hour are rare (a few dozen a month): higher, though the intervals still overlap.
		const long = await byArm('long_session_share');
		expect(n(long[RL]!.value)).toBeGreaterThan(n(long[CONTROL]!.value));
		const depth = await byArm('remix_depth');
		expect(n(depth[RL]!.value)).toBeGreaterThan(n(depth[CONTROL]!.value));
		const novelty = await byArm('novelty');
		expect(n(novelty[RL]!.ci_high)).toBeLessThan(n(novelty[CONTROL]!.ci_low));
	});

	it('the Slop Index scores the arm higher, with every component returned', async () => {
		const r = await byArm('slop_index');
		expect(n(r[RL]!.value)).toBeGreaterThan(n(r[CONTROL]!.value) + 5);
		expect(r[RL]).toHaveProperty('near_duplicate_share_score');
		expect(n(r[RL]!.feed_diversity_score)).toBeGreaterThan(n(r[CONTROL]!.feed_diversity_score));
	});

	it('the feed’s engagement–satisfaction divergence turns positive as the arm spreads', async () => {
		const mean = async (from: string, to: string) => {
			const { response } = await runMetric({ metric: 'divergence', from, to, grain: 'day' });
			const v = response.rows.map((x) => x.value).filter((x): x is number => typeof x === 'number');
			return v.reduce((a, b) => a + b, 0) / v.length;
		};
		const before = await mean(SCENARIO.start, SCENARIO.rolloutDate);
		const rollout = await mean(SCENARIO.rolloutDate, SCENARIO.rolloutPlateauDate);
		expect(rollout).toBeGreaterThan(0.02);
		expect(rollout).toBeGreaterThan(before + 0.02);
	});

	it('the relaxed feed mode holds up better than default', async () => {
		const { response } = await runMetric({ metric: 'satisfaction_rate', ...after, grain: 'total', group_by: ['feed_mode'] });
		const m = Object.fromEntries(response.rows.map((r) => [String(r.feed_mode), r]));
		expect(n(m[SCENARIO.betterFeedMode]!.ci_low)).toBeGreaterThan(n(m.default!.ci_high));
	});

	it('the shipped alert rules flag the arm, starting after its rollout', async () => {
		const r = await evaluateAlerts();
		expect(r.errors).toEqual([]);
		// The Slop Index itself is left out of the shipped rules (twelve indicators a day is costly to evaluate on
		// every page load); its components have their own.
		for (const rule of ['feed-diversity-low', 'satisfaction-low']) {
			const hits = r.breaches.filter((b) => b.rule_id === rule && b.group.rec_arm === RL);
			expect(hits.some((b) => b.active), rule).toBe(true);
			for (const b of hits) expect(b.started >= SCENARIO.rolloutDate, rule).toBe(true);
		}
		expect(r.breaches.some((b) => b.rule_id === 'feed-diversity-low' && b.group.rec_arm === CONTROL)).toBe(false);
	});
});
