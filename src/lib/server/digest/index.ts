import * as echarts from 'echarts';
import { z } from 'zod';
import type { MetricId, Unit } from '../../contracts/metrics.js';
import { cartesianOption, seriesFromRows } from '../../components/chart-options.js';
import { withAnnotationMarks } from '../../components/annotation-marks.js';
import { formatPrecise } from '../../format.js';
import { addDays } from '../../url-state.js';
import { listAnnotations } from '../annotations/index.js';
import type { Annotation } from '../../contracts/annotations.js';
import { evaluateAlerts } from '../alerts/evaluate.js';
import type { AlertBreach } from '../alerts/rules.js';
import { getMetric } from '../metrics/registry.js';
import { runMetric, type MetricResult } from '../metrics/run.js';
import type { MetricRequestInput } from '../../contracts/metrics.js';

/**
 * The weekly digest: headline figures with week-over-week change, the top
 * movers, alert breaches active at the week's end, the week's annotations and
 * the loop (watch-hours, revenue, compute spend) over the last 12 weeks, as one
 * self-contained HTML file (inline CSS, the chart as inline SVG, no external
 * request) that reads well when mailed. Every figure comes from runMetric, the
 * same function as the API.
 */

export const isoWeek = z
	.string()
	.regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'must be an ISO week like 2026-W43');

/** Monday of ISO week `YYYY-Www` and the next Monday: [from, to). */
export function weekPeriod(week: string): { from: string; to: string } {
	const parsed = isoWeek.safeParse(week);
	if (!parsed.success) throw new DigestError(`--week ${week}: ${parsed.error.issues[0]!.message}`);
	const [y, w] = [Number(week.slice(0, 4)), Number(week.slice(6))];
	// ISO week 1 holds January 4th; its Monday starts the year's weeks.
	const jan4 = new Date(Date.UTC(y, 0, 4));
	const monday1 = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
	const from = new Date(monday1.getTime() + (w - 1) * 7 * 86_400_000).toISOString().slice(0, 10);
	if (isoWeekOf(from) !== week) throw new DigestError(`--week ${week}: ${y} has no week ${w}`);
	return { from, to: addDays(from, 7) };
}

/** ISO week (YYYY-Www) containing a day. */
export function isoWeekOf(day: string): string {
	const d = new Date(`${day}T00:00:00Z`);
	const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
	const y = thursday.getUTCFullYear();
	const jan1 = Date.UTC(y, 0, 1);
	const w = Math.floor((thursday.getTime() - jan1) / 86_400_000 / 7) + 1;
	return `${y}-W${String(w).padStart(2, '0')}`;
}

export class DigestError extends Error {}

/** What the headline shows, in this order. */
export const HEADLINES: readonly MetricId[] = ['revenue', 'compute_spend', 'margin_per_gpu_hour', 'watch_hours', 'attention_to_compute', 'active_users', 'satisfaction_rate', 'return_rate'];
/** Candidates for the top movers beside the headlines. */
const MOVER_POOL: readonly MetricId[] = [...HEADLINES, 'ad_revenue', 'subscription_revenue', 'utilization', 'idle_cost', 'negative_rate', 'rapid_skip_rate', 'feed_diversity', 'near_duplicate_share', 'novelty', 'late_night_share', 'autoplay_share'];

export interface DigestFigure {
	metric: MetricId;
	title: string;
	unit: Unit;
	higherIsBetter: boolean;
	value: number | null;
	previous: number | null;
	/** (value − previous) / |previous|; null without a previous value. */
	change: number | null;
}

export interface Digest {
	week: string;
	period: { from: string; to: string };
	previous: { from: string; to: string };
	headlines: DigestFigure[];
	movers: DigestFigure[];
	breaches: AlertBreach[];
	annotations: Annotation[];
	/** The loop over the 12 weeks ending with this one, as inline SVG. */
	loopSvg: string;
	html: string;
}

/** How the digest runs a metric: runMetric (the CLI, always afresh), or the pages' cached form on the Digest page and its file. */
export type MetricRunner = (input: MetricRequestInput) => Promise<MetricResult>;

async function figure(run: MetricRunner, metric: MetricId, period: { from: string; to: string }, previous: { from: string; to: string }): Promise<DigestFigure> {
	const def = getMetric(metric)!;
	const total = async (p: { from: string; to: string }) => {
		const rows = (await run({ metric, ...p, grain: 'total' })).response.rows;
		const v = rows[0]?.value;
		return typeof v === 'number' ? v : null;
	};
	const [value, prev] = [await total(period), await total(previous)];
	const change = value !== null && prev !== null && prev !== 0 ? (value - prev) / Math.abs(prev) : null;
	return { metric, title: def.title, unit: def.unit, higherIsBetter: def.higherIsBetter, value, previous: prev, change };
}

/** The loop in one chart: weekly watch-hours against revenue and compute spend (two axes), with the annotations of those weeks. */
async function loopChart(run: MetricRunner, period: { from: string; to: string }, annotations: Annotation[]): Promise<string> {
	const span = { from: addDays(period.from, -77), to: period.to };
	const weekly = (metric: MetricId) => run({ metric, ...span, grain: 'week' }).then((r) => r.response.rows);
	const [watch, revenue, spend] = [await weekly('watch_hours'), await weekly('revenue'), await weekly('compute_spend')];
	const series = [
		...seriesFromRows(watch, { name: 'Watch-hours', unit: 'hours' }),
		...seriesFromRows(revenue, { name: 'Revenue', unit: 'usd' }),
		...seriesFromRows(spend, { name: 'Compute spend', unit: 'usd' })
	];
	const { option } = withAnnotationMarks(cartesianOption(series), annotations);
	const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 720, height: 300 });
	chart.setOption({ ...option, animation: false, tooltip: undefined });
	const svg = chart.renderToSVGString();
	chart.dispose();
	return svg;
}

export async function buildDigest(week: string, run: MetricRunner = (input) => runMetric(input)): Promise<Digest> {
	const period = weekPeriod(week);
	const previous = { from: addDays(period.from, -7), to: period.from };
	const headlines: DigestFigure[] = [];
	for (const m of HEADLINES) headlines.push(await figure(run, m, period, previous));
	const pool: DigestFigure[] = [...headlines];
	for (const m of MOVER_POOL.filter((x) => !HEADLINES.includes(x))) pool.push(await figure(run, m, period, previous));
	const movers = pool.filter((f) => f.change !== null).sort((a, b) => Math.abs(b.change!) - Math.abs(a.change!)).slice(0, 5);
	const lastDay = addDays(period.to, -1);
	const alerts = await evaluateAlerts({ through: lastDay }).catch(() => undefined);
	const breaches = alerts?.breaches.filter((b) => b.active) ?? [];
	const annotations = await listAnnotations({ from: addDays(period.from, -77), to: period.to });
	const loopSvg = await loopChart(run, period, annotations);
	const digest = { week, period, previous, headlines, movers, breaches, annotations: annotations.filter((a) => a.day >= period.from), loopSvg, html: '' };
	return { ...digest, html: digestHtml(digest) };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function changeText(f: DigestFigure): { text: string; tone: string } {
	if (f.change === null) return { text: 'no previous week', tone: 'flat' };
	const pct = `${f.change > 0 ? '+' : f.change < 0 ? '−' : '±'}${Math.abs(f.change * 100).toFixed(1)} %`;
	const good = f.change === 0 ? 'flat' : f.change > 0 === f.higherIsBetter ? 'good' : 'bad';
	return { text: pct, tone: good };
}

/**
 * One HTML file: inline styles (mail clients drop <style> less often than they drop links), no script, no external resource.
 * The print rules lay it out on A4 (the PDF is Chromium's print of this file, pdf.ts): smaller type, no page break inside
 * a row, list item or the chart, none right after a heading, and the change colours kept.
 */
export function digestHtml(d: Omit<Digest, 'html'>): string {
	const row = (f: DigestFigure) => {
		const c = changeText(f);
		return `<tr data-metric="${f.metric}"><td>${esc(f.title)}</td><td class="num" data-value="${f.value ?? ''}">${esc(formatPrecise(f.value, f.unit))}</td><td class="num">${esc(formatPrecise(f.previous, f.unit))}</td><td class="num ${c.tone}">${esc(c.text)}</td></tr>`;
	};
	const breach = (b: AlertBreach) =>
		`<li><b>${esc(b.rule_id)}</b> (${esc(Object.entries(b.group).map(([k, v]) => `${k}=${v}`).join(', ') || 'all traffic')}): ${esc(b.metric)} ${esc(b.op)} ${b.threshold}, latest ${esc(String(b.latest_value))}, since ${esc(b.started)} (${b.days} days)</li>`;
	const note = (a: Annotation) => `<li>${esc(a.day)} · <b>${esc(a.kind)}</b> · ${esc(a.title)}${a.body ? ` — ${esc(a.body)}` : ''}</li>`;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loopmeter weekly digest ${esc(d.week)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111;max-width:760px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}.sub{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%}td,th{padding:6px 8px;border-bottom:1px solid #ddd;text-align:left}.num{text-align:right;white-space:nowrap}
.good{color:#15803d}.bad{color:#b91c1c}.flat{color:#555}svg{max-width:100%;height:auto}
@page{size:A4;margin:14mm 12mm}
@media print{body{font-size:10.5pt;max-width:none;margin:0;padding:0}h1{font-size:17pt}h2{font-size:12.5pt;margin:14pt 0 5pt;break-after:avoid}
td,th{padding:3pt 5pt}tr,li,figure{break-inside:avoid}figure{margin:0}svg{width:100%}.good,.bad,.flat{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
</style></head>
<body>
<h1>Loopmeter weekly digest · ${esc(d.week)}</h1>
<p class="sub">${esc(d.period.from)} to ${esc(addDays(d.period.to, -1))} (UTC), compared with the week before (${esc(d.previous.from)} – ${esc(addDays(d.previous.to, -1))}). Every figure is the same as the dashboard's and the API's for these dates.</p>
<h2>Headlines</h2>
<table id="headlines"><thead><tr><th>Metric</th><th class="num">This week</th><th class="num">Week before</th><th class="num">Change</th></tr></thead><tbody>
${d.headlines.map(row).join('\n')}
</tbody></table>
<h2>Top movers</h2>
<table id="movers"><tbody>
${d.movers.map(row).join('\n') || '<tr><td>No change to report.</td></tr>'}
</tbody></table>
<h2>Alert breaches active at the end of the week</h2>
${d.breaches.length ? `<ul>${d.breaches.map(breach).join('')}</ul>` : '<p>None.</p>'}
<h2>Annotations this week</h2>
${d.annotations.length ? `<ul>${d.annotations.map(note).join('')}</ul>` : '<p>None.</p>'}
<h2>The loop: attention, revenue and compute, last 12 weeks</h2>
<figure>${d.loopSvg}</figure>
</body></html>
`;
}
