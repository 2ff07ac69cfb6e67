import { describe, expect, it } from 'vitest';
import { cartesianOption, heatmapOption, seriesFromRows } from '../../src/lib/components/chart-options.js';
import { waterfallOption } from '../../src/routes/revenue/waterfall.js';

const EVIL = '<img src=x onerror=alert(1)>';
type Fmt = (p: unknown) => string;
const tooltipOf = (o: unknown) => (o as { tooltip: { formatter: Fmt } }).tooltip.formatter;

describe('chart tooltips never render data as HTML', () => {
	it('line/bar tooltips escape series and category names', () => {
		const s = seriesFromRows([{ period: EVIL, cluster: EVIL, value: 2 }], { name: 'Spend', unit: 'usd', split: 'cluster' });
		const html = tooltipOf(cartesianOption(s))([{ seriesName: EVIL, value: 2, marker: '<span class="dot"></span>', axisValue: EVIL }]);
		expect(html).not.toContain('<img');
		expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
		// ECharts' own marker stays markup.
		expect(html).toContain('<span class="dot"></span>');
	});
	it('heatmap tooltips escape both category names', () => {
		const html = tooltipOf(heatmapOption([{ day: '2026-10-01', cluster: EVIL, value: 0.5 }], { x: 'day', y: 'cluster', unit: 'ratio' }))({ value: [0, 0, 0.5] });
		expect(html).not.toContain('<img');
	});
	it('the MRR waterfall tooltip escapes its step labels (plan names come from Stripe)', () => {
		const html = tooltipOf(waterfallOption([{ label: `${EVIL} opening`, kind: 'level', base: 0, size: 10, value: 10 }]))([{ dataIndex: 0 }]);
		expect(html).not.toContain('<img');
	});
});
