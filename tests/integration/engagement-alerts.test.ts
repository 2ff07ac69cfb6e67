import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../src/lib/server/alerts/evaluate.js';
import { AlertConfigError, loadAlertConfig, parseAlertConfig, saveAlertConfig } from '../../src/lib/server/alerts/config-file.js';
import { alertConfig } from '../../src/lib/server/alerts/rules.js';
import { loadEngagementFixture } from '../fixtures/engagement/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-alerts-');

beforeAll(async () => {
	await open();
	await loadEngagementFixture();
});

describe('alerts', () => {
	it('lists each group’s breaching stretch with the day it started and whether it is still on', async () => {
		// satisfaction per impression by arm and day (fixture):
		//   control      10-05: i1 1 + i3 2 + i5 1 + i6 1 = 5 of 5 → 1;   10-06: i4, i7 → 0 of 2 → 0
		//   rl-watchtime 10-05: i11 1 + i13 1 = 2 of 6 → 0.333;         10-06: i14 → 1 of 1 → 1
		// Rule "< 0.5": control breaches from 10-06 (still on), rl-watchtime on 10-05 only (over).
		const config = alertConfig.parse({
			lookback_days: 7,
			rules: [{ id: 'sat-low', metric: 'satisfaction_rate', op: '<', threshold: 0.5, by: ['rec_arm'] }]
		});
		const r = await evaluateAlerts({ config, through: '2026-10-06' });
		expect(r.from).toBe('2026-09-30');
		expect(r.errors).toEqual([]);
		expect(r.breaches.map((b) => [b.group.rec_arm, b.started, b.last, b.days, b.active, b.latest_value])).toEqual([
			['control', '2026-10-06', '2026-10-06', 1, true, 0],
			['rl-watchtime', '2026-10-05', '2026-10-05', 1, false, 2 / 6]
		]);
	});

	it('needs min_days consecutive days before a stretch counts', async () => {
		const config = alertConfig.parse({
			lookback_days: 7,
			rules: [{ id: 'sat-low', metric: 'satisfaction_rate', op: '<', threshold: 0.5, by: ['rec_arm'], min_days: 2 }]
		});
		expect((await evaluateAlerts({ config, through: '2026-10-06' })).breaches).toEqual([]);
	});

	it('reports a rule on a field the metric does not have instead of failing the rest', async () => {
		const config = alertConfig.parse({
			lookback_days: 7,
			rules: [
				{ id: 'bad-field', metric: 'satisfaction_rate', field: 'no_such_component', op: '>', threshold: 0 },
				{ id: 'copyright', metric: 'copyright_share', op: '>', threshold: 0.05 }
			]
		});
		const r = await evaluateAlerts({ config, through: '2026-10-06' });
		expect(r.errors.map((e) => e.rule_id)).toEqual(['bad-field']);
		// copyright: 10-05 i3 of 11 impressions = 0.09 > 0.05; 10-06 none of 3 → over
		expect(r.breaches.map((b) => [b.rule_id, b.started, b.active])).toEqual([['copyright', '2026-10-05', false]]);
	});

	it('rejects a bad rules file naming the field, and saves a good one atomically', () => {
		expect(() => parseAlertConfig('{"rules":[{"id":"x","metric":"satisfaction_rate","op":">=","threshold":1}]}', 'alerts.json')).toThrow(
			new AlertConfigError('alerts.json: rules.0.op: must be > or <')
		);
		expect(() => parseAlertConfig('{"rules":[{"id":"x","metric":"nope","op":">","threshold":1}]}')).toThrow(/rules\.0\.metric/);
		expect(() => parseAlertConfig('{not json')).toThrow(/not valid JSON/);
		const path = join(mkdtempSync(join(tmpdir(), 'loopmeter-alerts-file-')), 'alerts.json');
		saveAlertConfig({ rules: [{ id: 'slop', metric: 'slop_index', op: '>', threshold: 70 }] }, path);
		expect(loadAlertConfig(path).rules[0]).toMatchObject({ id: 'slop', field: 'value', min_days: 1, by: [] });
		expect(() => saveAlertConfig({ rules: [{ id: 'slop', metric: 'slop_index', op: '>', threshold: 'high' }] }, path)).toThrow(/threshold/);
		expect(JSON.parse(readFileSync(path, 'utf8')).rules[0].threshold).toBe(70);
	});

	it('the shipped config/alerts.json is valid', () => {
		expect(loadAlertConfig().rules.length).toBeGreaterThan(0);
	});
});
