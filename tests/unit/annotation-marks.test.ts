import { describe, expect, it } from 'vitest';
import { cartesianOption, heatmapOption } from '../../src/lib/components/chart-options.js';
import { ANNOTATION_SERIES, withAnnotationMarks } from '../../src/lib/components/annotation-marks.js';

const weekly = cartesianOption([{ name: 'Watch-hours', unit: 'hours', points: [{ x: '2026-10-05', y: 1 }, { x: '2026-10-12', y: 2 }, { x: '2026-10-19', y: 3 }] }]);
const notes = [
	{ day: '2026-10-04', kind: 'launch', title: 'before the chart' },
	{ day: '2026-10-14', kind: 'price', title: 'price cut' },
	{ day: '2026-10-25', kind: 'incident', title: 'last week, Sunday' },
	{ day: '2026-10-26', kind: 'note', title: 'after the chart' }
];
type Marked = { series: { name: string; markLine?: { data: { name: string; xAxis: string; lineStyle: { color: string } }[] } }[] };

describe('annotation marks on time-series charts', () => {
	it('marks each annotation inside the chart on the period containing it, in its kind’s colour', () => {
		const { option, count } = withAnnotationMarks(weekly, notes);
		expect(count).toBe(2);
		const marks = (option as unknown as Marked).series.find((s) => s.name === ANNOTATION_SERIES)!.markLine!.data;
		// 10-14 (a Wednesday) sits on the week of Monday 10-12; 10-25 is the last day of the week of 10-19.
		expect(marks.map((m) => [m.xAxis, m.name])).toEqual([
			['2026-10-12', 'price cut (2026-10-14)'],
			['2026-10-19', 'last week, Sunday (2026-10-25)']
		]);
		expect(marks[0]!.lineStyle.color).not.toBe(marks[1]!.lineStyle.color);
		// The chart's own series are untouched and the marks stay out of the legend.
		expect((option as unknown as Marked).series.length).toBe(2);
		expect((option as { legend: { data: string[] } }).legend.data).toEqual(['Watch-hours']);
	});

	it('leaves charts alone when nothing is in range or the x axis is not days', () => {
		expect(withAnnotationMarks(weekly, [notes[0]!, notes[3]!])).toEqual({ option: weekly, count: 0 });
		const categories = cartesianOption([{ name: 'By plan', unit: 'usd', type: 'bar', points: [{ x: 'free', y: 1 }, { x: 'pro', y: 2 }] }]);
		expect(withAnnotationMarks(categories, notes).count).toBe(0);
		const heat = heatmapOption([{ day: '2026-10-14', cluster: 'a', value: 0.5 }], { x: 'day', y: 'cluster', unit: 'ratio' });
		expect(withAnnotationMarks(heat, notes).count).toBe(0);
	});
});
