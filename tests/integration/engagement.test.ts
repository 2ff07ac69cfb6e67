import { beforeAll, describe, expect, it } from 'vitest';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import type { MetricRequestInput, MetricRow } from '../../src/lib/contracts/metrics.js';
import { loadEngagementFixture } from '../fixtures/engagement/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// Fixture (tests/fixtures/engagement): human impressions i1..i14 on 2026-10-05/06,
// u1/u2 on arm "control", u3/u4 on "rl-watchtime"; i15 is staff traffic and i16
// (u3, 2026-10-15) lies outside the period. Every expected value below is worked
// out by hand in the comment next to it.
const { open } = useTempWarehouse('loopmeter-engagement-');
const P = { from: '2026-10-05', to: '2026-10-07' };

beforeAll(async () => {
	await open();
	await loadEngagementFixture();
});

async function rows(input: Omit<MetricRequestInput, 'from' | 'to'> & Partial<Pick<MetricRequestInput, 'from' | 'to'>>): Promise<MetricRow[]> {
	return (await runMetric({ ...P, grain: 'total', ...input } as MetricRequestInput)).response.rows;
}
const one = async (input: Parameters<typeof rows>[0]) => (await rows(input))[0]!;
const byArm = async (input: Parameters<typeof rows>[0]) =>
	Object.fromEntries((await rows({ ...input, group_by: ['rec_arm'] })).map((r) => [r.rec_arm, r]));

describe('engagement rates on the fixture', () => {
	it('satisfaction counts likes, shares, follows and comments per human impression', async () => {
		// positive actions: i1 1, i3 2 (like+share), i5 1, i6 1 (follow), i11 1 (comment), i13 1, i14 1 = 8; 14 impressions
		// (staff impression i15, liked, is excluded).
		const r = await one({ metric: 'satisfaction_rate' });
		expect(r.value).toBeCloseTo(8 / 14, 12);
		expect(r.positive_actions).toBe(8);
		expect(r.impressions).toBe(14);
		// Interval: Σs² = 1+4+1+1+1+1+1 = 10, R = 8/14; Var = (10 − 2R·8 + R²·14)/14² = (10 − 64/14)/196 → se = sqrt((10 − 4.571429)/196) = 0.166424
		const se = Math.sqrt((10 - 64 / 14) / 196);
		expect(r.ci_low).toBeCloseTo(8 / 14 - 1.96 * se, 10);
		expect(r.ci_high).toBeCloseTo(8 / 14 + 1.96 * se, 10);
		// control: i1..i7 → 1+2+1+1 = 5 of 7; rl-watchtime: i8..i14 → 1+1+1 = 3 of 7
		const arms = await byArm({ metric: 'satisfaction_rate' });
		expect(arms.control!.value).toBeCloseTo(5 / 7, 12);
		expect(arms['rl-watchtime']!.value).toBeCloseTo(3 / 7, 12);
	});

	it('negative and rapid-skip rates, with Wilson intervals for the proportion', async () => {
		// not_interested i7 + reported i9 = 2 of 14
		expect((await one({ metric: 'negative_rate' })).value).toBeCloseTo(2 / 14, 12);
		// watched < 2 s or < 10 % of 20 s: i2 (1.0 s), i10 (1.5 s) = 2 of 14
		const r = await one({ metric: 'rapid_skip_rate' });
		expect(r.value).toBeCloseTo(2 / 14, 12);
		// Wilson, p = 1/7, n = 14, z = 1.96: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)
		const p = 1 / 7, n = 14, z = 1.96;
		const c = p + (z * z) / (2 * n), h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n)), d = 1 + (z * z) / n;
		expect(r.ci_low).toBeCloseTo((c - h) / d, 10); // 0.040
		expect(r.ci_high).toBeCloseTo((c + h) / d, 10); // 0.399
	});

	it('return rate counts user-days active again within 7 days', async () => {
		// 10-05: u1 (back 10-06), u2 (10-06), u4 (10-06) returned; u3 next seen 10-15 = D+10: not. → 3 of 4
		// 10-06: u1, u2, u4; nobody active 10-07..10-13 → 0 of 3. Both days complete (D+7 ≤ 10-15, the last day).
		const r = await one({ metric: 'return_rate' });
		expect(r.returning_user_days).toBe(3);
		expect(r.user_days).toBe(7);
		expect(r.value).toBeCloseTo(3 / 7, 12);
		const day = await rows({ metric: 'return_rate', grain: 'day' });
		expect(day.map((x) => [x.period, x.value])).toEqual([['2026-10-05', 0.75], ['2026-10-06', 0]]);
	});

	it('return rate leaves out days whose next 7 days are not observed yet', async () => {
		// last day with data is 10-15: only days up to 10-08 are complete; 10-15 itself (u3) is not.
		const r = await one({ metric: 'return_rate', from: '2026-10-09', to: '2026-10-16' });
		expect(r.user_days).toBe(0);
		expect(r.value).toBeNull();
	});

	it('sessions sit on the day they start, so one crossing midnight counts once', async () => {
		// s1 (u1 10-05), s2 (u1 10-06), s3 (u2, 10-05 23:30 → 10-06 00:40), s4 (u3), s5 (u4 10-05), s6 (u4 10-06): 6 sessions, 4 users
		const r = await one({ metric: 'sessions' });
		expect(r.value).toBe(6);
		expect(r.users).toBe(4);
		expect(r.sessions_per_user).toBeCloseTo(1.5, 12);
		// watch time 225 500 ms = 0.0626389 h over 4 users
		expect(r.watch_hours_per_user).toBeCloseTo(225_500 / 3_600_000 / 4, 12);
		// 10-06 alone: s2 and s6 start that day; s3 started the day before.
		expect((await one({ metric: 'sessions', from: '2026-10-06' })).value).toBe(2);
	});

	it('DAU, WAU, MAU and stickiness come from trailing windows', async () => {
		// DAU 10-05: u1..u4 = 4; 10-06: u1, u2, u4 = 3. WAU on 10-06 = 4 (u3 seen the day before).
		// MAU (28 days, 09-08..10-05 and 09-09..10-06) also holds ux, last seen 09-14: 5. Stickiness 4/5, 3/5.
		const day = await rows({ metric: 'active_users', grain: 'day' });
		expect(day).toEqual([
			{ period: '2026-10-05', value: 4, wau: 4, mau: 5, stickiness: 0.8 },
			{ period: '2026-10-06', value: 3, wau: 4, mau: 5, stickiness: 0.6 }
		]);
		// total grain: averages of the daily values, (4 + 3) / 2
		expect((await one({ metric: 'active_users' })).value).toBe(3.5);
	});

	it('retention by signup week fills the cohort triangle', async () => {
		// cohort 09-28: u1, u2 (signed up 09-28, 10-01); no activity in week 0 (09-28..10-04), both in week 1 (10-05..10-11).
		// cohort 10-05: u3, u4; both active in week 0. Last data day 10-15: cohort 09-28 has 2 whole weeks
		// observed (18 days), cohort 10-05 one (11 days). ux (08-01) is outside the signup period, u9 is internal.
		const r = await rows({ metric: 'retention', from: '2026-09-01', to: '2026-10-16' });
		expect(r.map((x) => [x.cohort, x.week, x.cohort_users, x.active_users, x.value])).toEqual([
			['2026-09-28', 0, 2, 0, 0],
			['2026-09-28', 1, 2, 2, 1],
			['2026-10-05', 0, 2, 2, 1]
		]);
	});

	it('a user without a paid plan interval counts as free', async () => {
		// No Stripe data in the fixture: all 14 impressions are on plan "free".
		const r = await rows({ metric: 'satisfaction_rate', group_by: ['plan'] });
		expect(r.map((x) => [x.plan, x.impressions])).toEqual([['free', 14]]);
		// watch-hours by plan: 225 500 ms of human watch time = 0.0626389 h
		const w = (await runMetric({ metric: 'watch_hours', ...P, grain: 'total', group_by: ['plan'] })).response.rows;
		expect(w).toEqual([{ plan: 'free', value: 225_500 / 3_600_000 }]);
	});

	it('every rate is split by feed mode too', async () => {
		// default: u1 (i1..i4) + u3 (i8..i11) = 8 impressions, positives 1+2 + 1 = 4; relaxed: u2 + u4 = 6, positives 1+1 + 1+1 = 4
		const r = Object.fromEntries((await rows({ metric: 'satisfaction_rate', group_by: ['feed_mode'] })).map((x) => [x.feed_mode, x.value]));
		expect(r).toEqual({ default: 4 / 8, relaxed: 4 / 6 });
	});
});
