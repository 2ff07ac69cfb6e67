import type { EChartsCoreOption } from 'echarts/core';

/**
 * Annotations (launches, price cuts, incidents) as vertical marks on a
 * time-series chart: a pure function over the ECharts option the chart would
 * draw anyway, so every chart with days on its x axis gets them without each
 * page passing them in.
 */
export interface AnnotationMark {
	day: string;
	kind: string;
	title: string;
}

const isDay = (s: unknown) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}/.test(s);
const dayMs = (s: string) => Date.parse(`${s.slice(0, 10)}T00:00:00Z`);

const colours: Record<string, string> = { launch: '#2563eb', price: '#16a34a', incident: '#dc2626', note: '#6b7280' };

/** Name of the extra series carrying the marks (kept out of the legend). */
export const ANNOTATION_SERIES = 'Annotations';

/**
 * The option with one mark per annotation inside the chart's days, each on the
 * period that contains it (a week's Monday, a month's 1st), and how many were
 * drawn. Charts whose x axis is not days (categories, heatmaps) come back as they were.
 */
export function withAnnotationMarks(option: EChartsCoreOption, annotations: readonly AnnotationMark[]): { option: EChartsCoreOption; count: number } {
	const o = option as { xAxis?: unknown; series?: unknown };
	const axis = o.xAxis as { type?: string; data?: unknown[] } | undefined;
	const series = Array.isArray(o.series) ? (o.series as { type?: string }[]) : [];
	if (!annotations.length || !axis || Array.isArray(axis) || axis.type !== 'category' || !axis.data?.length) return { option, count: 0 };
	if (!axis.data.every(isDay) || !series.length || !series.every((s) => s.type === 'line' || s.type === 'bar')) return { option, count: 0 };
	const xs = (axis.data as string[]).slice().sort();
	// The last period reaches as far past its start as the step between periods (1 day, 7, about 30).
	const step = xs.length > 1 ? dayMs(xs.at(-1)!) - dayMs(xs.at(-2)!) : 86_400_000;
	const end = dayMs(xs.at(-1)!) + step;
	const marks = annotations
		.filter((a) => dayMs(a.day) >= dayMs(xs[0]!) && dayMs(a.day) < end)
		.map((a) => ({ ...a, x: xs.filter((x) => dayMs(x) <= dayMs(a.day)).at(-1)! }));
	if (!marks.length) return { option, count: 0 };
	const markSeries = {
		name: ANNOTATION_SERIES,
		type: 'line',
		data: [],
		tooltip: { show: false },
		markLine: {
			symbol: 'none',
			silent: false,
			animation: false,
			label: { formatter: (p: { name: string }) => p.name, position: 'insideEndTop', fontSize: 10 },
			tooltip: { show: true, formatter: (p: { name: string }) => p.name },
			data: marks.map((m) => ({
				name: `${m.title} (${m.day})`,
				xAxis: m.x,
				lineStyle: { type: 'dotted', width: 1.5, color: colours[m.kind] ?? colours.note }
			}))
		}
	};
	return { option: { ...option, series: [...series, markSeries] }, count: marks.length };
}
