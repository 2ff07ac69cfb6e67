import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { runDrilldown } from '../../src/lib/server/metrics/drill.js';
import { rowsPanel } from '../../src/lib/server/pages/engagement-panels.js';
import { command } from '../../src/lib/server/warehouse/index.js';
import type { MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { loadEngagementFixture } from '../fixtures/engagement/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// Slop indicators on the engagement fixture (tests/fixtures/engagement): 14 human
// impressions i1..i14 on 2026-10-05/06 of videos v1..v10; arms "control" (u1, u2,
// i1..i7) and "rl-watchtime" (u3, u4, i8..i14). Expected values are worked out by
// hand in the comments.
const { open } = useTempWarehouse('loopmeter-slop-');
const P = { from: '2026-10-05', to: '2026-10-07' };

beforeAll(async () => {
	await open();
	await loadEngagementFixture();
});

type Input = Omit<MetricRequestInput, 'from' | 'to'> & Partial<Pick<MetricRequestInput, 'from' | 'to'>>;
async function rows(input: Input): Promise<MetricRow[]> {
	return (await runMetric({ ...P, grain: 'total', ...input } as MetricRequestInput)).response.rows;
}
const one = async (input: Input) => (await rows(input))[0]!;
const by = async (dim: 'rec_arm' | 'creator_kind' | 'feed_mode', input: Input) =>
	Object.fromEntries((await rows({ ...input, group_by: [dim] })).map((r) => [r[dim], r]));

describe('slop indicators on the fixture', () => {
	it('near duplicates: same words after case and punctuation, Jaccard ≥ 0.8, created later', async () => {
		// v2 = v1's caption (created a day later), v3 = v1's caption in other case/punctuation → both near duplicates of v1.
		// v4 ends "at dawn" instead of "at sunset": 7 shared word bigrams of 9 → Jaccard 0.78 < 0.8 → not.
		// v1 itself is the original. Impressions of v2: i2, i9; of v3: i8 → 3 of 14.
		const r = await one({ metric: 'near_duplicate_share' });
		expect(r.near_duplicates).toBe(3);
		expect(r.value).toBeCloseTo(3 / 14, 12);
		// control: i2 → 1/7; rl-watchtime: i8, i9 → 2/7
		const arms = await by('rec_arm', { metric: 'near_duplicate_share' });
		expect(arms.control!.value).toBeCloseTo(1 / 7, 12);
		expect(arms['rl-watchtime']!.value).toBeCloseTo(2 / 7, 12);
	});

	it('remix depth follows remix_of chains, mean and p90 over impressions', async () => {
		// v5 ← v6 ← v7: depths 0, 1, 2; v8 remixes a video we do not have: 1.
		// i4 (v6) 1 + i7 (v7) 2 + i11 (v7) 2 + i10 (v8) 1 = 6 over 14 impressions → 0.428571
		// p90: 10 impressions at depth 0 (71 %), 12 at ≤ 1 (86 %), all 14 at ≤ 2 → 2
		const r = await one({ metric: 'remix_depth' });
		expect(r.value).toBeCloseTo(6 / 14, 12);
		expect(r.p90).toBe(2);
		expect(r.max_depth).toBe(2);
		expect(r.remixed_share).toBeCloseTo(4 / 14, 12);
	});

	it('feed diversity is the normalized topic entropy per user-day, averaged', async () => {
		// K = 5 catalogue topics (pets, music, comedy, cooking, news); normalised by ln(min(K, n)).
		// u1 10-05: pets 2, music 1 (n 3): (ln 3 − 2 ln 2 / 3) / ln 3 = 0.579380
		// u2 10-05: comedy, cooking: 1;  u3 10-05: pets 2, comedy 1, music 1 (n 4): (ln 4 − 2 ln 2 / 4) / ln 4 = 0.75
		// u4 10-05: pets, comedy: 1;  the 10-06 user-days have one impression each: left out.
		const u1 = (Math.log(3) - (2 * Math.log(2)) / 3) / Math.log(3);
		const r = await one({ metric: 'feed_diversity' });
		expect(r.user_days).toBe(4);
		expect(r.value).toBeCloseTo((u1 + 1 + 0.75 + 1) / 4, 12);
		const arms = await by('rec_arm', { metric: 'feed_diversity' });
		expect(arms.control!.value).toBeCloseTo((u1 + 1) / 2, 12);
		expect(arms['rl-watchtime']!.value).toBeCloseTo((0.75 + 1) / 2, 12);
	});

	it('creator concentration: HHI and the top 1 % of creators', async () => {
		// impressions by creator: c1 4 (i1, i2, i9, i14), c2 2, c3 2, c4 3, c5 3 = 14
		// HHI = (16 + 4 + 4 + 9 + 9) / 196 = 42 / 196; top 1 % of 5 creators → 1 creator: c1 4 / 14
		const r = await one({ metric: 'creator_concentration' });
		expect(r.value).toBeCloseTo(42 / 196, 12);
		expect(r.top1pct_share).toBeCloseTo(4 / 14, 12);
		expect(r.creators).toBe(5);
	});

	it('novelty: a video under 24 h old from a creator the user had never seen', async () => {
		// v9 was created 10-05 02:00: i13 (u4, 04:10) and i5 (u2, 23:30) are fresh, and each is that user's first c5 video.
		// new creator alone: u1 i1, i3; u2 i5, i7; u3 i8, i9, i10; u4 i12, i13, i14 = 10
		const r = await one({ metric: 'novelty' });
		expect(r.novel).toBe(2);
		expect(r.value).toBeCloseTo(2 / 14, 12);
		expect(r.fresh_share).toBeCloseTo(2 / 14, 12);
		expect(r.new_creator_share).toBeCloseTo(10 / 14, 12);
	});

	it('long sessions: the one crossing midnight lasts over an hour', async () => {
		// s3: 23:30:00 → i7 at 00:40:00 + 20 s = 70.3 min > 60; the other 5 sessions are short → 1 of 6
		const r = await one({ metric: 'long_session_share' });
		expect(r.long_sessions).toBe(1);
		expect(r.sessions).toBe(6);
	});

	it('late-night share uses the viewer’s local time', async () => {
		// Known offsets: u1 (−300), u2 (+60), u4 (+60); u3 has none and is left out.
		// u2's i5, i6, i7 start 00:30, 00:50, 01:40 local → 55 000 ms. u4's i12 at 05:00 local is not before 05:00.
		// Classified watch: u1 51 000 + u2 55 000 + u4 58 000 = 164 000 ms → 55 / 164
		const r = await one({ metric: 'late_night_share' });
		expect(r.value).toBeCloseTo(55 / 164, 12);
		expect(r.tz_watch_hours).toBeCloseTo(164_000 / 3_600_000, 12);
	});

	it('autoplay share of watch time', async () => {
		// autoplayed: i2 1 000, i3 20 000, i4 10 000, i8, i9 20 000 each, i10 1 500, i11 20 000, i13 18 000, i14 20 000 = 130 500
		// all watch time: 225 500 ms
		expect((await one({ metric: 'autoplay_share' })).value).toBeCloseTo(130_500 / 225_500, 12);
	});

	it('AI / human mix by creator kind', async () => {
		// ai_generated: v1 (i1, i14), v2 (i2, i9), v7 (i7, i11), v8 (i10) = 7; ai_assisted: v3, v6, v10 = 3; human: v4, v5, v9 ×2 = 4
		const r = await one({ metric: 'ai_mix' });
		expect(r.value).toBeCloseTo(7 / 14, 12);
		expect(r.human_share).toBeCloseTo(4 / 14, 12);
		expect(r.ai_assisted_share).toBeCloseTo(3 / 14, 12);
		const kinds = await by('creator_kind', { metric: 'ai_mix' });
		expect(kinds.ai_generated!.value).toBeCloseTo(0.5, 12);
		expect(kinds.human!.value).toBeCloseTo(4 / 14, 12);
		expect(kinds.ai_assisted!.impressions).toBe(3);
	});

	it('cameo consent follows the latest video row; copyright flags count', async () => {
		// v9 (u2's likeness) was loaded with consent granted, then revoked by a later row: i5, i13 → 2 of 14.
		// v10's cameo is consented. Copyright: v5 → i3 → 1 of 14.
		expect((await one({ metric: 'cameo_unconsented_share' })).value).toBeCloseTo(2 / 14, 12);
		expect((await one({ metric: 'copyright_share' })).value).toBeCloseTo(1 / 14, 12);
	});

	it('divergence: watch time per user up, satisfaction per impression down', async () => {
		// ux, 09-01..09-07: 10 s a day, liked every day; 09-08..09-14: 20 s a day, liked on 3 of 7 days.
		// On 09-14: watch-hours per user 140 000 / 70 000 − 1 = +1; satisfaction 3/7 ÷ 7/7 − 1 = −4/7 → 1 + 4/7 = 11/7
		const r = await rows({ metric: 'divergence', grain: 'day', from: '2026-09-13', to: '2026-09-15' });
		expect(r[0]!.value).toBeNull(); // 09-13: the window before (08-31..09-06) has only 6 days of data
		expect(r[1]!.value).toBeCloseTo(11 / 7, 12);
		expect(r[1]!.watch_change).toBeCloseTo(1, 12);
		expect(r[1]!.satisfaction_change).toBeCloseTo(-4 / 7, 12);
	});

	it('slop index returns every component score with the index', async () => {
		const r = await rows({ metric: 'slop_index', grain: 'day', from: '2026-10-05', to: '2026-10-07' });
		for (const row of r) {
			for (const c of ['feed_diversity', 'near_duplicate_share', 'remix_depth', 'copyright_share']) expect(row).toHaveProperty(`${c}_score`);
			expect(row.value).toBeGreaterThanOrEqual(0);
			expect(row.value).toBeLessThanOrEqual(100);
		}
	});

	it("a page's row table is its metric's drill-down: the same first rows as the drill-down API", async () => {
		// One family: v1 with its near duplicates v2 (i2, i9) and v3 (i8) → 3 duplicate impressions.
		const panel = await rowsPanel('near_duplicate_share', 'Near-duplicate families', P, 15);
		expect(panel.ok, panel.error).toBe(true);
		expect(panel.file).toBe('sql/metrics/drill/slop_near_duplicates.sql');
		expect(panel.rows.map((r) => [r.original_id, Number(r.duplicate_impressions)])).toEqual([['v1', 3]]);
		const drill = await runDrilldown({ metric: 'near_duplicate_share', ...P }, { limit: 15 });
		expect(panel.rows).toEqual(drill.rows);
	});

	it('a video loaded later but created earlier turns an existing one into its near duplicate', async () => {
		// v0 (created 09-01) has v5's caption; loaded after v5, it still makes v5 the duplicate:
		// near-duplicate impressions become i2, i8, i9 + i3 (v5) = 4 of 14. This test runs last: it changes the catalogue.
		await command(
			`INSERT INTO videos (video_id, created_at, creator_id, creator_kind, duration_ms, topic, caption, cameo_user_ids, cameo_consent, copyright_flag, ingest_run_id)
			VALUES ('v0', '2026-09-01 00:00:00', 'c9', 'human', 20000, 'music', 'Street drummer plays on buckets in the rain', [], 'none', false, 'test')`,
			{ tag: 'test:late-original' }
		);
		expect((await one({ metric: 'near_duplicate_share' })).near_duplicates).toBe(4);
	});
});
