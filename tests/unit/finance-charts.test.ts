import type { EChartsCoreOption } from 'echarts/core';
import { describe, expect, it } from 'vitest';
import { breakEvenOption, forecastBars, forecastOption, trendAt, trendFit } from '../../src/lib/components/finance-charts.js';

// The exact-line fixture of tests/integration/break-even.test.ts, as break_even_outlook returns it.
const outlook = {
	value: 59.5, outlook: 'crosses_up', crossing_date: '2026-07-30', crossing_low: '2026-07-30', crossing_high: '2026-07-30',
	weeks: 8, origin: '2026-04-06', x_now: 56, horizon_days: 365, slope_per_day: 0.05 / 7, x_mean: 28, y_mean: -0.625,
	sxx: 2058, residual_sd: 0.02, t_quantile: 2.446912
};

describe('finance charts', () => {
	it('draws the trend band as the SQL defines it: ŷ ± t·s·√(1/n + (x − x̄)²/Sxx)', () => {
		const fit = trendFit(outlook)!;
		const at = trendAt(fit, 115.5);
		expect(at.y).toBeCloseTo(0, 9);
		expect(at.high - at.y).toBeCloseTo(2.446912 * 0.02 * Math.sqrt(1 / 8 + 87.5 ** 2 / 2058), 9);
		expect(trendAt(fit, 28).y).toBeCloseTo(-0.625, 9);
	});

	it('marks zero, the crossing and its interval, and runs the trend past the crossing', () => {
		const option = breakEvenOption(outlook, [{ period: '2026-04-06', value: -0.8 }, { period: '2026-04-13', value: -0.75 }]) as {
			series: { name: string; data: [string, number][]; markLine?: { data: { xAxis?: string; yAxis?: number }[] } }[];
		};
		const [points, trend] = option.series;
		expect(points!.data[0]).toEqual(['2026-04-09', -0.8]);
		expect(points!.markLine!.data.map((m) => m.xAxis ?? m.yAxis)).toEqual([0, '2026-07-30', '2026-07-30', '2026-07-30']);
		expect(trend!.data.at(-1)![0] > '2026-07-30').toBe(true);
	});

	it('labels forecast bars by line and cluster, with the interval as a floating bar', () => {
		const bars = forecastBars([
			{ budget_line: 'compute', cluster: 'rent-a', value: 3373.71, actual_mtd_usd: 2208, forecast_low_usd: 3153.22, forecast_high_usd: 3594.21, budget_usd: 3000 },
			{ budget_line: 'revenue', value: 2828.57, actual_mtd_usd: 1900, forecast_low_usd: 2553.59, forecast_high_usd: 3103.55, budget_usd: 3000 }
		]);
		expect(bars.map((b) => b.label)).toEqual(['compute · rent-a', 'revenue · total']);
		const option = forecastOption(bars) as { series: { name: string; data: (number | null)[] }[] };
		const base = option.series.find((s) => s.name === 'interval-base')!;
		const span = option.series.find((s) => s.name === 'Interval (95 %)')!;
		expect(base.data[0]).toBeCloseTo(3153.22, 2);
		expect(span.data[0]).toBeCloseTo(3594.21 - 3153.22, 2);
	});
});

describe('finance charts render in ECharts (server-side SVG)', () => {
	it('draws both options without errors, with the marks and the interval', async () => {
		const echarts = await import('echarts');
		const render = (option: EChartsCoreOption) => {
			const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 600, height: 300 });
			chart.setOption(option);
			const svg = chart.renderToSVGString();
			chart.dispose();
			return svg;
		};
		const weeks = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({ period: new Date(Date.UTC(2026, 3, 6 + 7 * k)).toISOString().slice(0, 10), value: -0.8 + 0.05 * k }));
		const svg = render(breakEvenOption(outlook, weeks));
		expect(svg).toContain('crossing Jul 30');
		// The demo's case: below zero and falling, no crossing to mark.
		const none = { ...outlook, outlook: 'below_not_rising', value: null, crossing_date: null, crossing_low: null, crossing_high: null, slope_per_day: -0.006 };
		expect(render(breakEvenOption(none, weeks))).not.toContain('crossing');
		const bars = forecastBars([{ budget_line: 'compute', value: 3373.71, actual_mtd_usd: 2208, forecast_low_usd: 3153.22, forecast_high_usd: 3594.21, budget_usd: 3000 }]);
		expect(render(forecastOption(bars))).toContain('Budget');
	});
});
