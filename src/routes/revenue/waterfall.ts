import type { EChartsCoreOption } from 'echarts/core';
import type { MetricRow } from '$lib/contracts/metrics';
import { formatAxis, formatPrecise } from '$lib/format';
import { escapeHtml } from '$lib/components/chart-options';

/**
 * The MRR bridge: opening MRR, then for each month its movements as floating
 * bars (up for new / reactivation / expansion, down for contraction / churn)
 * and the month's closing MRR, which is where the next month starts. Built from
 * mrr_movements rows (grain month, by movement), whose opening + movements =
 * closing exactly, so the bars meet.
 */

export const MOVEMENT_ORDER = ['new', 'reactivation', 'expansion', 'contraction', 'churn'] as const;

export interface WaterfallStep {
	label: string;
	kind: 'level' | 'up' | 'down';
	/** Where the floating bar starts (its lower end). */
	base: number;
	/** Bar height, always ≥ 0. */
	size: number;
	/** Signed change, or the level itself for level bars. */
	value: number;
}

const monthName = (period: string) => new Date(`${period.slice(0, 10)}T00:00:00Z`).toLocaleString('en-US', { month: 'short', year: '2-digit', timeZone: 'UTC' });

export function waterfallSteps(rows: readonly MetricRow[]): WaterfallStep[] {
	const periods = [...new Set(rows.map((r) => String(r.period)))].sort();
	const steps: WaterfallStep[] = [];
	let level: number | undefined;
	for (const period of periods) {
		const of = rows.filter((r) => String(r.period) === period);
		const opening = Number(of[0]?.opening_mrr ?? 0);
		const closing = Number(of[0]?.closing_mrr ?? 0);
		const name = monthName(period);
		if (level === undefined) {
			level = opening;
			steps.push({ label: `${name} opening`, kind: 'level', base: 0, size: opening, value: opening });
		}
		for (const m of MOVEMENT_ORDER) {
			const v = of.filter((r) => r.movement === m).reduce((s, r) => s + Number(r.value ?? 0), 0);
			if (v === 0) continue;
			const next: number = level + v;
			steps.push({ label: `${name} ${m}`, kind: v > 0 ? 'up' : 'down', base: Math.min(level, next), size: Math.abs(v), value: v });
			level = next;
		}
		steps.push({ label: `${name} closing`, kind: 'level', base: 0, size: closing, value: closing });
		level = closing;
	}
	return steps;
}

export function waterfallOption(steps: readonly WaterfallStep[]): EChartsCoreOption {
	const pick = (kind: WaterfallStep['kind']) => steps.map((s) => (s.kind === kind ? s.size : null));
	return {
		grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
		legend: { top: 0, data: ['MRR level', 'Increase', 'Decrease'] },
		tooltip: {
			trigger: 'axis',
			axisPointer: { type: 'shadow' },
			formatter: (items: { dataIndex: number }[]) => {
				const s = steps[(Array.isArray(items) ? items[0] : items)?.dataIndex ?? 0];
				if (!s) return '';
				return s.kind === 'level'
					? `${escapeHtml(s.label)}<br>MRR: ${formatPrecise(s.value, 'usd')} / month`
					: `${escapeHtml(s.label)}<br>${s.value > 0 ? '+' : ''}${formatPrecise(s.value, 'usd')} / month`;
			}
		},
		xAxis: { type: 'category', data: steps.map((s) => s.label), axisLabel: { rotate: 45, interval: 0, fontSize: 10 } },
		yAxis: { type: 'value', name: 'MRR, USD per month', nameTextStyle: { align: 'left' }, axisLabel: { formatter: (v: number) => formatAxis(v, 'usd') } },
		series: [
			// Invisible base that lifts the floating bars.
			{ name: 'base', type: 'bar', stack: 'w', silent: true, itemStyle: { color: 'transparent' }, emphasis: { disabled: true }, data: steps.map((s) => (s.kind === 'level' ? 0 : s.base)) },
			{ name: 'MRR level', type: 'bar', stack: 'w', itemStyle: { color: '#4f6bed' }, data: pick('level') },
			{ name: 'Increase', type: 'bar', stack: 'w', itemStyle: { color: '#2e9d5b' }, data: pick('up') },
			{ name: 'Decrease', type: 'bar', stack: 'w', itemStyle: { color: '#d6453d' }, data: pick('down') }
		]
	};
}
