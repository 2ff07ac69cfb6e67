import type { EChartsCoreOption } from 'echarts/core';
import type { MetricRow } from '../contracts/metrics.js';
import { formatAxis, formatDay, formatPrecise } from '../format.js';
import { escapeHtml } from './chart-options.js';

/**
 * ECharts options of the forecast and break-even panels (docs/finance.md
 * "Forecast and break-even"). Pure functions of metric rows, unit-tested.
 */

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One budget line of the forecast chart: a category with its figures. */
export interface ForecastBar {
	label: string;
	actual: number | null;
	forecast: number | null;
	low: number | null;
	high: number | null;
	budget: number | null;
}

/** budget_forecast rows (grain total) → one bar per row, labelled by its line and cluster. */
export function forecastBars(rows: readonly MetricRow[]): ForecastBar[] {
	return rows.map((r) => ({
		label: [r.budget_line, r.cluster === undefined ? 'total' : r.cluster || 'company'].filter(Boolean).join(' · '),
		actual: num(r.actual_mtd_usd),
		forecast: num(r.value),
		low: num(r.forecast_low_usd),
		high: num(r.forecast_high_usd),
		// A line without a budget (0) gets no marker: a diamond at zero would read as a budget of nothing.
		budget: num(r.budget_usd) || null
	}));
}

/**
 * Month to date and forecast side by side, the budget as a marker, and the
 * forecast interval as a floating bar (an invisible bar up to the low end,
 * stacked with one from low to high: ECharts draws no error bars by itself).
 */
export function forecastOption(bars: readonly ForecastBar[]): EChartsCoreOption {
	const labels = bars.map((b) => b.label);
	const money = (v: number | null) => formatPrecise(v, 'usd');
	return {
		grid: { left: 8, right: 16, top: 32, bottom: 36, containLabel: true },
		legend: { bottom: 0, data: ['Month to date', 'Forecast to month end', 'Interval (95 %)', 'Budget'] },
		tooltip: {
			trigger: 'axis',
			axisPointer: { type: 'shadow' },
			formatter: (items: { dataIndex: number }[]) => {
				const b = bars[(Array.isArray(items) ? items[0] : items)?.dataIndex ?? 0];
				if (!b) return '';
				return [
					escapeHtml(b.label),
					`Month to date: ${escapeHtml(money(b.actual))}`,
					`Forecast: ${escapeHtml(money(b.forecast))} (${escapeHtml(money(b.low))} – ${escapeHtml(money(b.high))})`,
					`Budget: ${escapeHtml(money(b.budget))}`
				].join('<br>');
			}
		},
		xAxis: { type: 'category', data: labels },
		yAxis: { type: 'value', name: 'USD', axisLabel: { formatter: (v: number) => formatAxis(v, 'usd') } },
		series: [
			{ name: 'Month to date', type: 'bar', data: bars.map((b) => b.actual) },
			{ name: 'Forecast to month end', type: 'bar', data: bars.map((b) => b.forecast) },
			{ name: 'interval-base', type: 'bar', stack: 'interval', silent: true, itemStyle: { color: 'transparent' }, data: bars.map((b) => b.low), tooltip: { show: false } },
			{
				name: 'Interval (95 %)',
				type: 'bar',
				stack: 'interval',
				barWidth: 6,
				itemStyle: { opacity: 0.6 },
				data: bars.map((b) => (b.low !== null && b.high !== null ? b.high - b.low : null))
			},
			{ name: 'Budget', type: 'scatter', symbol: 'diamond', symbolSize: 14, data: bars.map((b) => b.budget) }
		]
	};
}

/** The fitted line of break_even_outlook, from its row. */
export interface TrendFit {
	origin: string;
	xNow: number;
	horizonDays: number;
	n: number;
	xMean: number;
	yMean: number;
	sxx: number;
	slope: number;
	sd: number;
	t: number;
}

export function trendFit(row: MetricRow): TrendFit | null {
	const [xNow, horizonDays, n, xMean, yMean, sxx, slope, sd, t] = [
		row.x_now, row.horizon_days, row.weeks, row.x_mean, row.y_mean, row.sxx, row.slope_per_day, row.residual_sd, row.t_quantile
	].map(num);
	if (typeof row.origin !== 'string' || [xNow, horizonDays, n, xMean, yMean, sxx, slope, sd, t].some((v) => v === null) || !sxx) return null;
	return { origin: row.origin, xNow: xNow!, horizonDays: horizonDays!, n: n!, xMean: xMean!, yMean: yMean!, sxx: sxx!, slope: slope!, sd: sd!, t: t! };
}

/** The trend at x days from the origin, and its confidence band ŷ ± t·s·√(1/n + (x − x̄)²/Sxx) (the same as the SQL's). */
export function trendAt(f: TrendFit, x: number): { y: number; low: number; high: number } {
	const y = f.yMean + f.slope * (x - f.xMean);
	const half = f.t * f.sd * Math.sqrt(1 / f.n + (x - f.xMean) ** 2 / f.sxx);
	return { y, low: y - half, high: y + half };
}

const DAY_MS = 86_400_000;
const dayOf = (origin: string, x: number) => new Date(Date.parse(`${origin}T00:00:00Z`) + Math.round(x * DAY_MS)).toISOString().slice(0, 10);
const xOf = (origin: string, day: string) => (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${origin}T00:00:00Z`)) / DAY_MS;

/**
 * Weekly points (margin_per_gpu_hour by week: Monday → value), the trend line
 * and its band from the first week to past the crossing (or its upper bound),
 * at most the horizon ahead, a zero line, and the crossing with its interval
 * as vertical lines.
 */
export function breakEvenOption(outlook: MetricRow, weeks: readonly MetricRow[]): EChartsCoreOption {
	const fit = trendFit(outlook);
	const points = weeks.filter((w) => typeof w.period === 'string' && num(w.value) !== null).map((w) => [String(w.period).slice(0, 10), w.value as number] as const);
	const crossing = typeof outlook.crossing_date === 'string' ? outlook.crossing_date : null;
	const bounds = [outlook.crossing_low, outlook.crossing_high].filter((d): d is string => typeof d === 'string');
	const series: Record<string, unknown>[] = [
		{
			name: 'Weekly margin per GPU-hour',
			type: 'scatter',
			symbolSize: 9,
			// Each week drawn at its middle, as fitted.
			data: points.map(([monday, y]) => [dayOf(monday, 3.5), y])
		}
	];
	if (fit) {
		const ends = [fit.xNow, ...[crossing, ...bounds].filter((d): d is string => d !== null).map((d) => xOf(fit.origin, d) + 7)];
		const last = Math.min(Math.max(...ends), fit.xNow + fit.horizonDays);
		const step = Math.max(1, Math.round((last - 3.5) / 60));
		const xs: number[] = [];
		for (let x = 3.5; x < last; x += step) xs.push(x);
		xs.push(last);
		const at = xs.map((x) => ({ day: dayOf(fit.origin, x), ...trendAt(fit, x) }));
		series.push(
			{ name: 'Trend', type: 'line', showSymbol: false, data: at.map((p) => [p.day, p.y]), lineStyle: { width: 2 } },
			{ name: 'band-low', type: 'line', showSymbol: false, stack: 'band', lineStyle: { opacity: 0 }, data: at.map((p) => [p.day, p.low]), tooltip: { show: false } },
			{
				name: 'Band (95 %)',
				type: 'line',
				showSymbol: false,
				stack: 'band',
				lineStyle: { opacity: 0 },
				areaStyle: { opacity: 0.2 },
				data: at.map((p) => [p.day, p.high - p.low])
			}
		);
	}
	const marks = [
		{ yAxis: 0, name: 'zero', lineStyle: { type: 'solid', width: 1 } },
		...(crossing ? [{ xAxis: crossing, name: `crossing ${crossing}`, label: { formatter: `crossing ${formatDay(crossing)}` }, lineStyle: { width: 2 } }] : []),
		...bounds.map((d) => ({ xAxis: d, name: `interval ${d}`, label: { formatter: formatDay(d) }, lineStyle: { type: 'dashed' } }))
	];
	series[0]!.markLine = { symbol: 'none', silent: true, data: marks };
	return {
		grid: { left: 8, right: 24, top: 32, bottom: 36, containLabel: true },
		legend: { bottom: 0, data: ['Weekly margin per GPU-hour', 'Trend', 'Band (95 %)'] },
		tooltip: {
			trigger: 'item',
			formatter: (it: { seriesName: string; value: [string, number] }) =>
				`${escapeHtml(it.value[0])}<br>${escapeHtml(it.seriesName)}: ${escapeHtml(formatPrecise(it.value[1], 'usd_per_gpu_hour'))}`
		},
		xAxis: { type: 'time', axisLabel: { formatter: (v: number) => formatDay(new Date(v).toISOString().slice(0, 10)) } },
		yAxis: { type: 'value', name: 'USD per GPU-hour', axisLabel: { formatter: (v: number) => formatAxis(v, 'usd_per_gpu_hour') } },
		series
	};
}
