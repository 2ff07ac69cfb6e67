import { describe, expect, it } from 'vitest';
import { metricRequest } from '../../../contracts/metrics.js';
import { query } from '../../warehouse/index.js';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { BASELINE_DAYS, slopScoringSql } from './slop-index.js';
import { metricDefinitions } from '../registry.js';

// The Slop Index's scoring, pinned on component rows written by hand (no
// ingest): two components, two arms, one scored day (2026-10-08).
useOpenTempWarehouse('loopmeter-slop-index-');

const COMPONENTS = [
	{ id: 'near_duplicate_share', direction: 1 },
	{ id: 'novelty', direction: -1 }
] as const;

type Row = [component: number, day: string, arm: string, x: number];
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-10-0${from + i}`);
const ROWS: Row[] = [
	// near_duplicate_share: 7 baseline days; arm a 0.1 and arm b 0.3 every day.
	// One shared baseline: mean 0.2, population σ 0.1 over the 14 arm-days.
	...days(1, 7).flatMap((d): Row[] => [[0, d, 'a', 0.1], [0, d, 'b', 0.3]]),
	[0, '2026-10-08', 'a', 0.25], // z = +0.5 → 50 + 25 × 0.5 = 62.5
	[0, '2026-10-08', 'b', 0.45], // z = +2.5 → 112.5 → clamped to 100
	// novelty: only 4 baseline days (8 arm-rows, but fewer than 7 days), so the baseline falls back to
	// the period's own first 28 days: the two values 0.4 and 0.8 → mean 0.6, σ 0.2.
	...days(1, 4).flatMap((d): Row[] => [[1, d, 'a', 0.5], [1, d, 'b', 0.7]]),
	[1, '2026-10-08', 'a', 0.4], // z = −1, a fall is worse → 50 + 25 = 75
	[1, '2026-10-08', 'b', 0.8] // z = +1 → 25
];

function componentDays(rows: Row[]): string {
	const values = rows.map(([c, day, arm, x]) => `(${c}, ${COMPONENTS[c]!.direction}, '${day}', '${arm}', ${x})`).join(', ');
	return `\tSELECT * FROM values('component UInt8, direction Int8, day Date, rec_arm String, x Nullable(Float64)', ${values})`;
}

describe('Slop Index scoring', () => {
	it('scores each arm against one baseline shared by all arms, and averages the components', async () => {
		const req = metricRequest.parse({ metric: 'slop_index', from: '2026-10-08', to: '2026-10-09', grain: 'total', group_by: ['rec_arm'] });
		const rows = await query<Record<string, number | string>>(slopScoringSql(req, COMPONENTS, componentDays(ROWS)), {
			tag: 'test:slop-index',
			params: { from: req.from, to: req.to }
		});
		const expected = [
			{ rec_arm: 'a', value: (62.5 + 75) / 2, components_scored: 2, near_duplicate_share_score: 62.5, novelty_score: 75 },
			{ rec_arm: 'b', value: (100 + 25) / 2, components_scored: 2, near_duplicate_share_score: 100, novelty_score: 25 }
		];
		expect(rows.map((r) => r.rec_arm)).toEqual(['a', 'b']);
		expected.forEach((want, i) => {
			for (const [k, v] of Object.entries(want)) {
				if (typeof v === 'number') expect(Number(rows[i]![k]), `${want.rec_arm} ${k}`).toBeCloseTo(v, 9);
			}
		});
	});

	it('says in its glossary what the SQL does', () => {
		const text = metricDefinitions.slop_index.definition;
		expect(text).toContain(`${BASELINE_DAYS}-day baseline`);
		expect(text).toContain('shared by every group');
		expect(text).not.toMatch(/own \d+-day baseline|per group\./);
		// Every component is named with the direction that counts: novelty falls, near duplicates rise.
		expect(text).toMatch(/feed diversity, novelty count when they fall/);
		expect(text).toContain('near-duplicate share');
	});
});
