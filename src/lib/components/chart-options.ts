import type { EChartsCoreOption } from 'echarts/core';
import type { Unit, MetricRow } from '../contracts/metrics.js';
import { formatAxis, formatDay, formatPrecise, unitAxisName } from '../format.js';

/**
 * ECharts puts what a tooltip formatter returns into the page as HTML: every
 * string that comes from data (series and category names: clusters, arms,
 * countries, captions) goes through this first, so a cluster named
 * `<img src=x onerror=…>` shows as text.
 */
export function escapeHtml(value: unknown): string {
	return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * ECharts options built from metric rows. Pure functions (unit-tested): the
 * Chart component only renders what these return.
 */

export interface SeriesInput {
	name: string;
	unit: Unit;
	type?: 'line' | 'bar';
	/** Series sharing a stack name are stacked (bars) or stacked areas (lines). */
	stack?: string;
	area?: boolean;
	/** Drawn dashed: figures that are not final yet (e.g. a window not fully observed). */
	dashed?: boolean;
	points: { x: string; y: number | null }[];
}

/** Splits metric rows into one series per value of `split` (or one series when no split). */
export function seriesFromRows(
	rows: readonly MetricRow[],
	opts: {
		name: string;
		unit: Unit;
		split?: string;
		valueKey?: string;
		xKey?: string;
		type?: 'line' | 'bar';
		stack?: string;
		area?: boolean;
		/** Rows where this column is > 0 are not final: drawn as a dashed "(not final)" continuation. */
		partialKey?: string;
	}
): SeriesInput[] {
	const xKey = opts.xKey ?? 'period';
	const valueKey = opts.valueKey ?? 'value';
	const groups = new Map<string, { x: string; y: number | null; partial: boolean }[]>();
	for (const r of rows) {
		const key = opts.split ? String(r[opts.split] ?? '(none)') || '(none)' : opts.name;
		const y = r[valueKey];
		const partial = opts.partialKey !== undefined && Number(r[opts.partialKey] ?? 0) > 0;
		const list = groups.get(key) ?? [];
		list.push({ x: String(r[xKey] ?? ''), y: typeof y === 'number' ? y : null, partial });
		groups.set(key, list);
	}
	const base = { unit: opts.unit, type: opts.type, stack: opts.stack, area: opts.area };
	return [...groups].flatMap(([key, all]) => {
		const name = opts.split ? key : opts.name;
		const final = all.filter((p) => !p.partial).map(({ x, y }) => ({ x, y }));
		const partial = all.filter((p) => p.partial).map(({ x, y }) => ({ x, y }));
		if (!partial.length) return [{ ...base, name, points: final }];
		// The dashed part starts at the last final point so the line stays continuous.
		const joint = final.filter((p) => p.x < partial[0]!.x).at(-1);
		return [
			...(final.length ? [{ ...base, name, points: final }] : []),
			{ ...base, name: `${name} (not final)`, dashed: true, points: joint ? [joint, ...partial] : partial }
		];
	});
}

const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}/.test(s);

/**
 * A time (or category) chart: x = the union of every series' x values, sorted;
 * one y axis per distinct unit (at most two), named with the unit.
 */
export function cartesianOption(series: readonly SeriesInput[], opts: { xLabel?: string; horizontal?: boolean } = {}): EChartsCoreOption {
	const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))];
	if (xs.every(isDay)) xs.sort();
	const units = [...new Set(series.map((s) => s.unit))].slice(0, 2);
	const yAxis = units.map((u, i) => ({
		type: 'value',
		name: unitAxisName[u] ?? u,
		nameTextStyle: { align: i === 0 ? 'left' : 'right' },
		position: i === 0 ? 'left' : 'right',
		splitLine: { show: i === 0 },
		axisLabel: { formatter: (v: number) => formatAxis(v, u) }
	}));
	const xAxis = {
		type: 'category',
		name: opts.xLabel ?? '',
		data: xs,
		axisLabel: { formatter: (v: string) => (isDay(v) ? formatDay(v) : v) }
	};
	const unitOf = new Map(series.map((s) => [s.name, s.unit]));
	return {
		grid: { left: 8, right: units.length > 1 ? 8 : 16, top: 32, bottom: 36, containLabel: true },
		legend: { type: 'scroll', bottom: 0, data: series.map((s) => s.name) },
		tooltip: {
			trigger: 'axis',
			valueFormatter: undefined,
			formatter: (items: { seriesName: string; value: number | null; marker: string; axisValue: string }[]) => {
				const list = Array.isArray(items) ? items : [items];
				const head = list[0]?.axisValue ?? '';
				return [
					escapeHtml(isDay(head) ? head.slice(0, 10) : head),
					// `marker` is ECharts' own colour dot (HTML it made), not data.
					...list.map((it) => `${it.marker} ${escapeHtml(it.seriesName)}: ${escapeHtml(formatPrecise(it.value, unitOf.get(it.seriesName) ?? 'count'))}`)
				].join('<br>');
			}
		},
		xAxis: opts.horizontal ? yAxis[0] : xAxis,
		yAxis: opts.horizontal ? { ...xAxis, inverse: true } : yAxis,
		series: series.map((s) => {
			const index = Math.max(0, units.indexOf(s.unit));
			const byX = new Map(s.points.map((p) => [p.x, p.y]));
			return {
				name: s.name,
				type: s.type ?? 'line',
				stack: s.stack,
				yAxisIndex: opts.horizontal ? undefined : index,
				showSymbol: xs.length <= 31,
				areaStyle: s.area ? { opacity: 0.25 } : undefined,
				lineStyle: s.dashed ? { type: 'dashed' } : undefined,
				emphasis: { focus: 'series' },
				data: xs.map((x) => byX.get(x) ?? null)
			};
		})
	};
}

/** Heatmap of value by (x, y), e.g. utilization by day × cluster. */
export function heatmapOption(
	rows: readonly MetricRow[],
	opts: { x: string; y: string; unit: Unit; valueKey?: string; min?: number; max?: number }
): EChartsCoreOption {
	const valueKey = opts.valueKey ?? 'value';
	const xs = [...new Set(rows.map((r) => String(r[opts.x])))].sort();
	const ys = [...new Set(rows.map((r) => String(r[opts.y])))].sort();
	const data = rows.map((r) => [xs.indexOf(String(r[opts.x])), ys.indexOf(String(r[opts.y])), typeof r[valueKey] === 'number' ? r[valueKey] : null]);
	const values = data.map((d) => d[2]).filter((v): v is number => typeof v === 'number');
	return {
		grid: { left: 8, right: 16, top: 16, bottom: 64, containLabel: true },
		tooltip: {
			formatter: (p: { value: [number, number, number | null] }) =>
				`${escapeHtml(ys[p.value[1]])} · ${escapeHtml(xs[p.value[0]])}<br>${escapeHtml(formatPrecise(p.value[2], opts.unit))}`
		},
		xAxis: { type: 'category', data: xs, axisLabel: { formatter: (v: string) => (isDay(v) ? formatDay(v) : v) } },
		yAxis: { type: 'category', data: ys },
		visualMap: {
			min: opts.min ?? Math.min(0, ...values),
			max: opts.max ?? Math.max(1e-9, ...values),
			calculable: true,
			orient: 'horizontal',
			left: 'center',
			bottom: 0,
			formatter: (v: number) => formatAxis(v, opts.unit)
		},
		series: [{ type: 'heatmap', data, emphasis: { itemStyle: { borderWidth: 1 } } }]
	};
}
