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
