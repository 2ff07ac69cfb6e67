import { describe, expect, it } from 'vitest';
import { cartesianOption, heatmapOption, seriesFromRows } from '../../src/lib/components/chart-options.js';

describe('chart options from metric rows', () => {
	const rows = [
		{ period: '2026-10-02', cluster: 'b', value: 2 },
		{ period: '2026-10-01', cluster: 'a', value: 1 },
		{ period: '2026-10-02', cluster: 'a', value: 3 }
	];

	it('splits rows into one series per dimension value', () => {
		const s = seriesFromRows(rows, { name: 'Spend', unit: 'usd', split: 'cluster' });
		expect(s.map((x) => x.name)).toEqual(['b', 'a']);
		expect(s[1]!.points).toEqual([
			{ x: '2026-10-01', y: 1 },
			{ x: '2026-10-02', y: 3 }
		]);
	});

	it('draws rows that are not final as a dashed continuation from the last final point', () => {
		const cohort = [
			{ period: '2026-10-01', value: 0.5, unobserved: 0 },
			{ period: '2026-10-02', value: 0.4, unobserved: 0 },
			{ period: '2026-10-03', value: 0.2, unobserved: 3 },
			{ period: '2026-10-04', value: 0.1, unobserved: 5 }
		];
		const s = seriesFromRows(cohort, { name: 'ACR', unit: 'hours_per_gpu_hour', partialKey: 'unobserved' });
		expect(s.map((x) => [x.name, x.dashed ?? false])).toEqual([
			['ACR', false],
			['ACR (not final)', true]
		]);
		expect(s[0]!.points.map((p) => p.x)).toEqual(['2026-10-01', '2026-10-02']);
		expect(s[1]!.points.map((p) => p.x)).toEqual(['2026-10-02', '2026-10-03', '2026-10-04']);
		const option = cartesianOption(s) as { series: { lineStyle?: { type: string } }[] };
		expect(option.series.map((x) => x.lineStyle?.type ?? 'solid')).toEqual(['solid', 'dashed']);
		// Nothing partial: one plain series, as without the option.
		expect(seriesFromRows(cohort.slice(0, 2), { name: 'ACR', unit: 'hours_per_gpu_hour', partialKey: 'unobserved' })).toHaveLength(1);
	});

	it('aligns series on sorted days, fills gaps with null and names the unit axis', () => {
		const o = cartesianOption(seriesFromRows(rows, { name: 'Spend', unit: 'usd', split: 'cluster' })) as {
			xAxis: { data: string[] };
			yAxis: { name: string }[];
			series: { name: string; data: (number | null)[] }[];
			legend: { data: string[] };
		};
		expect(o.xAxis.data).toEqual(['2026-10-01', '2026-10-02']);
		expect(o.series.find((s) => s.name === 'b')!.data).toEqual([null, 2]);
		expect(o.yAxis[0]!.name).toBe('USD');
		expect(o.legend.data).toEqual(['b', 'a']);
	});

	it('gives a second axis to a second unit', () => {
		const o = cartesianOption([
			{ name: 'Spend', unit: 'usd', points: [{ x: 'd', y: 1 }] },
			{ name: 'Hours', unit: 'gpu_hours', points: [{ x: 'd', y: 2 }] }
		]) as { yAxis: { name: string }[]; series: { yAxisIndex: number }[] };
		expect(o.yAxis.map((a) => a.name)).toEqual(['USD', 'GPU-hours']);
		expect(o.series.map((s) => s.yAxisIndex)).toEqual([0, 1]);
	});

	it('places heatmap cells by index', () => {
		const o = heatmapOption(rows, { x: 'period', y: 'cluster', unit: 'ratio', min: 0, max: 1 }) as { series: { data: unknown[] }[] };
		expect(o.series[0]!.data).toContainEqual([1, 1, 2]);
		expect(o.series[0]!.data).toContainEqual([0, 0, 1]);
	});
});
