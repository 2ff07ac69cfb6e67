import { beforeAll, describe, expect, it } from 'vitest';
import { buildDigest, isoWeekOf, weekPeriod } from '../../src/lib/server/digest/index.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { addAnnotation } from '../../src/lib/server/annotations/index.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-digest-');

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
	await addAnnotation({ day: '2026-10-02', kind: 'price', title: 'H100 rental price cut' }, 'ana');
});

describe('weekly digest', () => {
	it('reads ISO weeks, including ones that start in the previous year', () => {
		expect(weekPeriod('2026-W40')).toEqual({ from: '2026-09-28', to: '2026-10-05' });
		expect(weekPeriod('2026-W01')).toEqual({ from: '2025-12-29', to: '2026-01-05' });
		expect(isoWeekOf('2026-10-04')).toBe('2026-W40');
		expect(() => weekPeriod('2026-43')).toThrow(/must be an ISO week like 2026-W43/);
		// 2026 starts on a Thursday, so it has a week 53; 2025 (starts on a Wednesday) does not.
		expect(weekPeriod('2026-W53')).toEqual({ from: '2026-12-28', to: '2027-01-04' });
		expect(() => weekPeriod('2025-W53')).toThrow(/2025 has no week 53/);
	});

	it('puts the same figures as the API in one self-contained HTML file', async () => {
		const d = await buildDigest('2026-W40');
		// Money fixture, week 09-28 .. 10-04: subscription $10/day from 10-01 → $40; ads $12 + $3 + $1.50 → revenue $56.50.
		const revenue = d.headlines.find((f) => f.metric === 'revenue')!;
		expect(revenue.value).toBeCloseTo(56.5, 2);
		expect(revenue.previous).toBe(0);
		expect(revenue.change).toBeNull();
		for (const f of d.headlines) {
			const rows = (await runMetric({ metric: f.metric, ...d.period, grain: 'total' })).response.rows;
			expect(f.value, f.metric).toBe(typeof rows[0]?.value === 'number' ? rows[0].value : null);
			expect(d.html).toContain(`data-metric="${f.metric}"`);
		}
		// Compute spend $492 on 10-01..10-03 (money.test.ts) plus 10-04: own-b 96 h × $1.25 + rent-a 48 h × $1.50 = $192.
		expect(d.headlines.find((f) => f.metric === 'compute_spend')!.value).toBeCloseTo(684, 2);
		expect(d.annotations.map((a) => a.title)).toEqual(['H100 rental price cut']);
		expect(d.html).toContain('H100 rental price cut');
		expect(d.html).toMatch(/<svg[\s\S]*<\/svg>/);
		// No external requests: no src/href to another origin, no script.
		expect(d.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
		expect(d.html).not.toMatch(/<script/i);
	});
});
