import { randomUUID } from 'node:crypto';
import { command, query } from '../warehouse/index.js';
import { loadAlertConfig } from './config-file.js';
import { deliver, type DeliveryOptions, type DeliveryOutcome } from './deliver.js';
import { evaluateAlerts } from './evaluate.js';
import type { AlertBreach, AlertConfig, AlertEvaluation, AlertRule, AlertWebhook } from './rules.js';

/**
 * Alerts that reach people: when a rule with `notify` starts breaching for a
 * group, each of its webhooks is told once; when that breach is over, once
 * more. The state is the delivery log (migration 0081): a (webhook, rule,
 * group) whose last delivered event is `start` is open, so a breach is never
 * announced twice, even across restarts or when the lookback window moves past
 * its first day. A failed delivery leaves the state as it was: the next run
 * (serve checks every few minutes) tries again.
 */

export type NotificationEvent = 'start' | 'end' | 'test';

export interface Delivery extends DeliveryOutcome {
	delivery_id: string;
	webhook_id: string;
	rule_id: string;
	group_key: string;
	event: NotificationEvent;
	breach_started: string;
	sent_at: string;
}

/** Group values as a stable key: keys sorted, e.g. {"rec_arm":"rl-watchtime"}. */
export function groupKey(group: Record<string, string>): string {
	return JSON.stringify(Object.fromEntries(Object.entries(group).sort(([a], [b]) => a.localeCompare(b))));
}

const groupLabel = (group: Record<string, string>) => Object.entries(group).map(([k, v]) => `${k}=${v}`).join(', ') || 'all traffic';

/** The generic JSON body (signed) and the Slack-compatible one, from the same facts. */
export function notificationBody(webhook: AlertWebhook, event: NotificationEvent, rule: Pick<AlertRule, 'id' | 'metric' | 'field' | 'op' | 'threshold' | 'description'>, breach: Partial<AlertBreach> & { group: Record<string, string> }, deliveryId: string, sentAt: string): string {
	const what = event === 'start' ? 'started' : event === 'end' ? 'ended' : 'test';
	const where = groupLabel(breach.group);
	const field = `${rule.metric}${rule.field !== 'value' ? `.${rule.field}` : ''}`;
	const value = breach.latest_value !== undefined ? ` (latest ${breach.latest_value}, worst ${breach.worst_value})` : '';
	const since = breach.started ? ` since ${breach.started}${breach.last ? `, last day ${breach.last}` : ''}${breach.days ? ` (${breach.days} days)` : ''}` : '';
	const text =
		event === 'test'
			? `Loopmeter test notification for webhook ${webhook.id}: delivery works.`
			: `Loopmeter alert ${rule.id} ${what} for ${where}: ${field} ${rule.op} ${rule.threshold}${value}${since}. ${rule.description}`.trim();
	if (webhook.format === 'slack') {
		return JSON.stringify({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${event === 'end' ? 'Resolved' : event === 'test' ? 'Test' : 'Breach'}*: ${text}` } }] });
	}
	return JSON.stringify({
		event: event === 'test' ? 'test' : `breach.${event}`,
		delivery_id: deliveryId,
		sent_at: sentAt,
		rule: { id: rule.id, metric: rule.metric, field: rule.field, op: rule.op, threshold: rule.threshold, description: rule.description },
		group: breach.group,
		breach: event === 'test' ? null : { started: breach.started ?? null, last: breach.last ?? null, days: breach.days ?? null, active: event === 'start', latest_value: breach.latest_value ?? null, worst_value: breach.worst_value ?? null },
		text
	});
}

async function record(d: Delivery, payload: string): Promise<void> {
	await command(
		`INSERT INTO alert_notifications (sent_at, delivery_id, webhook_id, rule_id, group_key, event, breach_started, status, attempts, http_status, error, payload)
SELECT {sent_at:DateTime64(3)}, {delivery_id:String}, {webhook_id:String}, {rule_id:String}, {group_key:String}, {event:String}, {breach_started:Date}, {status:String}, {attempts:UInt8}, {http_status:UInt16}, {error:String}, {payload:String}`,
		{ tag: 'alerts:notification', params: { ...d, sent_at: d.sent_at.replace('T', ' ').replace('Z', ''), payload: payload.slice(0, 20_000) } }
	);
}

async function send(webhook: AlertWebhook, event: NotificationEvent, rule: AlertRule | TestRule, breach: Partial<AlertBreach> & { group: Record<string, string> }, opts: DeliveryOptions): Promise<Delivery> {
	const deliveryId = randomUUID();
	const sentAt = (opts.now?.() ?? new Date()).toISOString();
	const body = notificationBody(webhook, event, rule, breach, deliveryId, sentAt);
	const outcome = await deliver(webhook, body, opts);
	const d: Delivery = { ...outcome, delivery_id: deliveryId, webhook_id: webhook.id, rule_id: rule.id, group_key: groupKey(breach.group), event, breach_started: breach.started ?? '1970-01-01', sent_at: sentAt };
	await record(d, body);
	return d;
}

type TestRule = Pick<AlertRule, 'id' | 'metric' | 'field' | 'op' | 'threshold' | 'description'>;

/** (webhook, rule, group) → its last delivered start/end, from the log. */
async function openBreaches(): Promise<Map<string, { event: string; started: string }>> {
	const rows = await query<{ webhook_id: string; rule_id: string; group_key: string; event: string; started: string }>(
		// Qualified columns: the aggregate's alias `event` would shadow the column in WHERE.
		`SELECT n.webhook_id AS webhook_id, n.rule_id AS rule_id, n.group_key AS group_key,
	argMax(n.event, n.sent_at) AS event, toString(argMax(n.breach_started, n.sent_at)) AS started
FROM alert_notifications AS n
WHERE n.status = 'delivered' AND n.event IN ('start', 'end')
GROUP BY n.webhook_id, n.rule_id, n.group_key`,
		{ tag: 'alerts:open-breaches' }
	);
	return new Map(rows.filter((r) => r.event === 'start').map((r) => [`${r.webhook_id}|${r.rule_id}|${r.group_key}`, r]));
}

let running: Promise<Delivery[]> | undefined;

/**
 * Sends what is due: a start for each active breach not yet announced to a
 * webhook, an end for each announced breach no longer active. One run at a
 * time per process (a second caller waits for the first's answer).
 */
export function notifyAlerts(opts: { config?: AlertConfig; evaluation?: AlertEvaluation; delivery?: DeliveryOptions } = {}): Promise<Delivery[]> {
	running ??= runNotify(opts).finally(() => {
		running = undefined;
	});
	return running;
}

async function runNotify(opts: { config?: AlertConfig; evaluation?: AlertEvaluation; delivery?: DeliveryOptions }): Promise<Delivery[]> {
	const config = opts.config ?? loadAlertConfig();
	const rules = config.rules.filter((r) => r.notify.length);
	if (!rules.length) return [];
	const evaluation = opts.evaluation ?? (await evaluateAlerts({ config }));
	// A rule that could not be evaluated says nothing about its breaches: neither start nor end them.
	const unknown = new Set(evaluation.errors.map((e) => e.rule_id));
	const open = await openBreaches();
	const hooks = new Map(config.webhooks.map((w) => [w.id, w]));
	const out: Delivery[] = [];
	for (const rule of rules) {
		if (unknown.has(rule.id)) continue;
		const mine = evaluation.breaches.filter((b) => b.rule_id === rule.id);
		const active = new Map(mine.filter((b) => b.active).map((b) => [groupKey(b.group), b]));
		for (const webhookId of rule.notify) {
			const webhook = hooks.get(webhookId)!;
			for (const [g, breach] of active) {
				if (!open.has(`${webhookId}|${rule.id}|${g}`)) out.push(await send(webhook, 'start', rule, breach, opts.delivery ?? {}));
			}
			for (const [key, state] of open) {
				const [w, r, g] = key.split('|') as [string, string, string];
				if (w !== webhookId || r !== rule.id || active.has(g)) continue;
				const group = JSON.parse(g) as Record<string, string>;
				// The stretch that ended (latest of that group), or what the start said when it has left the window.
				const ended = mine.filter((b) => groupKey(b.group) === g).sort((a, b) => b.last.localeCompare(a.last))[0];
				out.push(await send(webhook, 'end', rule, ended ?? { group, started: state.started }, opts.delivery ?? {}));
			}
		}
	}
	return out;
}

/** The "send test" button: one test body to one webhook, logged like any delivery. */
export async function sendTestNotification(webhookId: string, opts: { config?: AlertConfig; delivery?: DeliveryOptions } = {}): Promise<Delivery> {
	const config = opts.config ?? loadAlertConfig();
	const webhook = config.webhooks.find((w) => w.id === webhookId);
	if (!webhook) throw new Error(`no webhook "${webhookId}" in the alert settings (have: ${config.webhooks.map((w) => w.id).join(', ') || 'none'})`);
	const rule: TestRule = { id: 'test', metric: 'satisfaction_rate', field: 'value', op: '<', threshold: 0, description: 'Test notification sent from Loopmeter.' };
	return send(webhook, 'test', rule, { group: {} }, { attempts: 1, ...opts.delivery });
}

/** Latest deliveries first, for the delivery log on the Feed health page. */
export async function listDeliveries(limit = 50): Promise<Delivery[]> {
	return query<Delivery>(
		`SELECT delivery_id, webhook_id, rule_id, group_key, event, toString(breach_started) AS breach_started, status, attempts, http_status, error,
	toString(sent_at) AS sent_at
FROM alert_notifications
ORDER BY alert_notifications.sent_at DESC
LIMIT {limit:UInt32}`,
		{ tag: 'alerts:deliveries', params: { limit } }
	);
}

/** serve's periodic check: logs what was sent, never throws. */
export async function notifyAlertsLogged(): Promise<void> {
	try {
		for (const d of await notifyAlerts()) {
			const where = d.group_key === '{}' ? '' : ` ${d.group_key}`;
			console.log(`Alert ${d.rule_id}${where}: ${d.event} → webhook ${d.webhook_id}: ${d.status} after ${d.attempts} attempt(s)${d.error ? ` (${d.error})` : ''}`);
		}
	} catch (e) {
		console.error(`Alert notifications: ${(e as Error).message.split('\n')[0]}`);
	}
}
