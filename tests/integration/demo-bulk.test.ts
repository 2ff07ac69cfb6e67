import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';

const wh = useTempWarehouse('loopmeter-demo-bulk-');

import { BULK_IMPRESSIONS_PER_USER, runDemo, SCENARIO } from '../../ingest/demo/index.js';
import type { MetricRow } from '../../src/lib/contracts/metrics.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { query } from '../../src/lib/server/warehouse/index.js';

/**
 * The medium/large path (impressions by INSERT … SELECT FROM numbers()) at a
 * reduced size: 200 users → 400 000 impressions. Same distributions as the
 * file generator, so the arms still differ the same way.
 */
const USERS = 200;
let result: Awaited<ReturnType<typeof runDemo>>;

async function byArm(metric: 'satisfaction_rate' | 'late_night_share' | 'feed_diversity' | 'near_duplicate_share'): Promise<Record<string, number>> {
	const rows: MetricRow[] = (await runMetric({ metric, from: SCENARIO.rolloutPlateauDate, to: SCENARIO.end, grain: 'total', group_by: ['rec_arm'] })).response.rows;
	return Object.fromEntries(rows.map((x) => [String(x.rec_arm), Number(x.value)]));
}

beforeAll(async () => {
	await wh.open();
	result = await runDemo({ scale: 'medium', users: USERS, onProgress: (m) => console.log(m) });
}, 600_000);

describe('demo scenario, bulk SQL path (medium/large at reduced size)', () => {
	it('inserts the target number of impressions in the warehouse and records the run', async () => {
		const target = USERS * BULK_IMPRESSIONS_PER_USER.medium;
		expect(result.impressions).toBeGreaterThanOrEqual(target);
		expect(result.impressions).toBeLessThan(target * 1.3);
		expect(result.bulkSeconds).toBeGreaterThan(0);
		const [n] = await query<{ n: string; users: string; videos: string }>(
			'SELECT toString(count()) AS n, toString(uniqExact(user_id)) AS users, toString(uniqExact(video_id)) AS videos FROM impressions',
			{ tag: 'test' }
		);
		expect(Number(n!.n)).toBe(result.impressions);
		// Impressions point at real users and videos of the file part.
		const [orphans] = await query<{ u: string; v: string }>(
			'SELECT toString(countIf(user_id NOT IN (SELECT user_id FROM users))) AS u, toString(countIf(video_id NOT IN (SELECT video_id FROM videos))) AS v FROM impressions',
			{ tag: 'test' }
		);
		expect(orphans).toEqual({ u: '0', v: '0' });
		const [run] = await query<{ outcome: string; rows: string }>(
			"SELECT outcome, toString(rows_loaded) AS rows FROM ingest_runs FINAL WHERE via = 'demo' AND startsWith(run_id, 'demo-bulk-')",
			{ tag: 'test' }
		);
		expect(run).toEqual({ outcome: 'succeeded', rows: String(result.impressions) });
		const [ads] = await query<{ n: string }>("SELECT toString(count()) AS n FROM ad_revenue WHERE startsWith(ingest_run_id, 'demo-bulk-')", { tag: 'test' });
		expect(Number(ads!.n)).toBeGreaterThan(100);
	});

	it('keeps the story: rl-watchtime less satisfying, narrower, more late-night', async () => {
		const sat = await byArm('satisfaction_rate');
		expect(sat['rl-watchtime']).toBeLessThan(sat.control! * 0.9);
		const late = await byArm('late_night_share');
		expect(late['rl-watchtime']).toBeGreaterThan(late.control!);
		const diversity = await byArm('feed_diversity');
		expect(diversity['rl-watchtime']).toBeLessThan(diversity.control!);
		const dup = await byArm('near_duplicate_share');
		expect(dup['rl-watchtime']).toBeGreaterThan(dup.control!);
	});

	it('a second run inserts nothing', async () => {
		const again = await runDemo({ scale: 'medium', users: USERS });
		expect(again.impressions).toBe(result.impressions);
		const [n] = await query<{ n: string }>('SELECT toString(count()) AS n FROM impressions', { tag: 'test' });
		expect(Number(n!.n)).toBe(result.impressions);
	}, 600_000);
});
