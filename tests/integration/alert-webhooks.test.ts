import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertConfig, type AlertBreach, type AlertEvaluation } from '../../src/lib/server/alerts/rules.js';
import { parseAlertConfig } from '../../src/lib/server/alerts/config-file.js';
import { listDeliveries, notifyAlerts, sendTestNotification } from '../../src/lib/server/alerts/notify.js';
import { SIGNATURE_HEADER, verifySignature } from '../../src/lib/server/alerts/deliver.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-webhooks-');

// A local receiver on 127.0.0.1: /ops fails twice with 500 and then recovers; /down always answers 503.
interface Received { path: string; body: string; signature: string | undefined }
const received: Received[] = [];
let failuresLeft = 2;
let server: Server;
let base = '';

beforeAll(async () => {
	await open();
	server = createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			received.push({ path: req.url ?? '', body, signature: req.headers[SIGNATURE_HEADER] as string | undefined });
			if (req.url === '/down' || (req.url === '/ops' && failuresLeft-- > 0)) res.writeHead(req.url === '/down' ? 503 : 500).end('no');
			else res.writeHead(200).end('ok');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const SECRET = 'test-secret-0123456789';
const delivery = { baseDelayMs: 5, attempts: 4, env: { OPS_SECRET: SECRET } };
const config = () =>
	alertConfig.parse({
		rules: [
			{ id: 'satisfaction-low', metric: 'satisfaction_rate', op: '<', threshold: 0.08, by: ['rec_arm'], notify: ['ops', 'chat'] },
			{ id: 'copyright', metric: 'copyright_share', op: '>', threshold: 0.03, notify: ['down'] }
		],
		webhooks: [
			{ id: 'ops', url: `${base}/ops`, secret_env: 'OPS_SECRET' },
			{ id: 'chat', url: `${base}/chat`, format: 'slack' },
			{ id: 'down', url: `${base}/down` }
		]
	});
const breach = (active: boolean, last: string): AlertBreach => ({
	rule_id: 'satisfaction-low', metric: 'satisfaction_rate', field: 'value', op: '<', threshold: 0.08, group: { rec_arm: 'rl-watchtime' },
	started: '2026-10-20', last, days: 3, active, latest_value: 0.071, worst_value: 0.069
});
const evaluation = (breaches: AlertBreach[], through: string): AlertEvaluation => ({ from: '2026-08-01', through, rules: config().rules, breaches, errors: [] });
const on = (path: string) => received.filter((r) => r.path === path);

describe('alert webhooks', () => {
	it('announces a breach start once per webhook, signed, retrying a receiver that fails and recovers', async () => {
		const sent = await notifyAlerts({ config: config(), evaluation: evaluation([breach(true, '2026-10-22')], '2026-10-22'), delivery });
		expect(sent.map((d) => [d.webhook_id, d.event, d.status, d.attempts])).toEqual([
			['ops', 'start', 'delivered', 3],
			['chat', 'start', 'delivered', 1]
		]);
		// Two 500s, then the delivery; every attempt carries a valid signature over its exact body.
		expect(on('/ops')).toHaveLength(3);
		for (const r of on('/ops')) expect(verifySignature(SECRET, r.body, r.signature!)).toBe(true);
		expect(verifySignature('wrong-secret', on('/ops')[2]!.body, on('/ops')[2]!.signature!)).toBe(false);
		const body = JSON.parse(on('/ops')[2]!.body);
		expect(body).toMatchObject({ event: 'breach.start', rule: { id: 'satisfaction-low', threshold: 0.08 }, group: { rec_arm: 'rl-watchtime' }, breach: { started: '2026-10-20', active: true } });
		// The Slack-compatible body: text for the channel, unsigned (no secret configured).
		const slack = JSON.parse(on('/chat')[0]!.body);
		expect(slack.text).toMatch(/satisfaction-low started for rec_arm=rl-watchtime: satisfaction_rate < 0.08/);
		expect(on('/chat')[0]!.signature).toBeUndefined();
	});

	it('does not announce the same breach again on later checks, even as it goes on', async () => {
		const before = received.length;
		expect(await notifyAlerts({ config: config(), evaluation: evaluation([breach(true, '2026-10-23')], '2026-10-23'), delivery })).toEqual([]);
		expect(received.length).toBe(before);
	});

	it('announces the end once when the breach is over', async () => {
		const ended = evaluation([breach(false, '2026-10-23')], '2026-10-25');
		const sent = await notifyAlerts({ config: config(), evaluation: ended, delivery });
		expect(sent.map((d) => [d.webhook_id, d.event, d.status])).toEqual([
			['ops', 'end', 'delivered'],
			['chat', 'end', 'delivered']
		]);
		expect(JSON.parse(on('/ops').at(-1)!.body)).toMatchObject({ event: 'breach.end', breach: { last: '2026-10-23', active: false } });
		expect(await notifyAlerts({ config: config(), evaluation: ended, delivery })).toEqual([]);
	});

	it('logs a receiver that stays down as failed after its retries, and tries again on the next check', async () => {
		const copyright: AlertBreach = { ...breach(true, '2026-10-25'), rule_id: 'copyright', metric: 'copyright_share', op: '>', threshold: 0.03, group: {} };
		const ev = evaluation([copyright], '2026-10-25');
		const first = await notifyAlerts({ config: config(), evaluation: ev, delivery: { ...delivery, attempts: 2 } });
		expect(first.map((d) => [d.webhook_id, d.status, d.attempts, d.http_status])).toEqual([['down', 'failed', 2, 503]]);
		const again = await notifyAlerts({ config: config(), evaluation: ev, delivery: { ...delivery, attempts: 2 } });
		expect(again.map((d) => d.status)).toEqual(['failed']);
		expect(on('/down')).toHaveLength(4);
	});

	it('sends a test on demand and keeps every delivery in the log, newest first', async () => {
		const t = await sendTestNotification('ops', { config: config(), delivery });
		expect([t.event, t.status]).toEqual(['test', 'delivered']);
		expect(JSON.parse(on('/ops').at(-1)!.body)).toMatchObject({ event: 'test' });
		const log = await listDeliveries(20);
		expect(log[0]).toMatchObject({ webhook_id: 'ops', event: 'test', status: 'delivered' });
		expect(log.map((d) => `${d.webhook_id}:${d.event}:${d.status}`).sort()).toEqual(
			['ops:start:delivered', 'chat:start:delivered', 'ops:end:delivered', 'chat:end:delivered', 'down:start:failed', 'down:start:failed', 'ops:test:delivered'].sort()
		);
	});

	it('refuses a rule that notifies a webhook nobody configured, naming the field', () => {
		const text = JSON.stringify({ rules: [{ id: 'x', metric: 'satisfaction_rate', op: '<', threshold: 0.1, notify: ['nope'] }], webhooks: [] });
		expect(() => parseAlertConfig(text, 'alerts.json')).toThrow('alerts.json: rules.0.notify.0: names no webhook (have: none)');
		const bad = JSON.stringify({ rules: [], webhooks: [{ id: 'a', url: 'file:///etc/passwd' }] });
		expect(() => parseAlertConfig(bad, 'alerts.json')).toThrow(/webhooks\.0\.url: must be an http\(s\) URL/);
	});
});
