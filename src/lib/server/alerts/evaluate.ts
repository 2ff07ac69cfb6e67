import type { MetricRow } from '../../contracts/metrics.js';
import { addDays } from '../../url-state.js';
import { runMetric } from '../metrics/run.js';
import { latestDataDay } from '../pages/page-state.js';
import { loadAlertConfig } from './config-file.js';
import type { AlertBreach, AlertConfig, AlertEvaluation, AlertRule } from './rules.js';

const TTL_MS = 5 * 60_000;
const cache = new Map<string, { at: number; result: AlertEvaluation }>();

/**
 * Evaluates every rule day by day over the lookback window ending on the last
 * day with data, through the same `runMetric` as every panel. Results are
 * cached per (rules, last day) for a few minutes: they change only when data
 * or rules do.
 */
export async function evaluateAlerts(opts: { config?: AlertConfig; through?: string | null; signal?: AbortSignal } = {}): Promise<AlertEvaluation> {
	const config = opts.config ?? loadAlertConfig();
	const through = opts.through === undefined ? await latestDataDay() : opts.through;
	const from = through ? addDays(through, 1 - config.lookback_days) : '';
	if (!through) return { from, through, rules: config.rules, breaches: [], errors: [] };
	const key = JSON.stringify([config, through]);
	const hit = cache.get(key);
	if (hit && Date.now() - hit.at < TTL_MS) return hit.result;

	const breaches: AlertBreach[] = [];
	const errors: AlertEvaluation['errors'] = [];
	for (const rule of config.rules) {
		try {
			const { response } = await runMetric(
				{ metric: rule.metric, from, to: addDays(through, 1), grain: 'day', group_by: rule.by, filters: rule.filters },
				{ signal: opts.signal }
			);
			if (response.rows.length && !(rule.field in response.rows[0]!)) throw new Error(`${rule.metric} has no field ${rule.field}`);
			breaches.push(...breachesOf(rule, response.rows, through));
		} catch (e) {
			errors.push({ rule_id: rule.id, error: (e as Error).message.split('\n')[0]!.slice(0, 300) });
		}
	}
	breaches.sort((a, b) => Number(b.active) - Number(a.active) || b.started.localeCompare(a.started) || a.rule_id.localeCompare(b.rule_id));
	const result = { from, through, rules: config.rules, breaches, errors };
	cache.set(key, { at: Date.now(), result });
	return result;
}

/** Stretches of consecutive breaching days per group (a day without a value ends a stretch). */
export function breachesOf(rule: AlertRule, rows: readonly MetricRow[], through: string): AlertBreach[] {
	const groups = new Map<string, MetricRow[]>();
	for (const r of rows) {
		const k = JSON.stringify(rule.by.map((d) => r[d]));
		groups.set(k, [...(groups.get(k) ?? []), r]);
	}
	const out: AlertBreach[] = [];
	const crosses = (v: number) => (rule.op === '>' ? v > rule.threshold : v < rule.threshold);
	const worse = (a: number, b: number) => (rule.op === '>' ? Math.max(a, b) : Math.min(a, b));
	for (const list of groups.values()) {
		list.sort((a, b) => String(a.period).localeCompare(String(b.period)));
		let run: { started: string; last: string; days: number; latest: number; worst: number } | undefined;
		const close = () => {
			if (run && run.days >= rule.min_days) {
				out.push({
					rule_id: rule.id,
					metric: rule.metric,
					field: rule.field,
					op: rule.op,
					threshold: rule.threshold,
					group: Object.fromEntries(rule.by.map((d) => [d, String(list[0]![d] ?? '')])),
					started: run.started,
					last: run.last,
					days: run.days,
					active: run.last === through,
					latest_value: run.latest,
					worst_value: run.worst
				});
			}
			run = undefined;
		};
		for (const r of list) {
			const day = String(r.period);
			const v = r[rule.field];
			const hit = typeof v === 'number' && crosses(v);
			if (hit && run && addDays(run.last, 1) === day) {
				run = { ...run, last: day, days: run.days + 1, latest: v, worst: worse(run.worst, v) };
			} else {
				close();
				if (hit) run = { started: day, last: day, days: 1, latest: v, worst: v };
			}
		}
		close();
	}
	return out;
}
