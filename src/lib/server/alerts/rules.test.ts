import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getMetric } from '../metrics/registry.js';
import { parseAlertConfig } from './config-file.js';

const FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'alerts.json');

describe('config/alerts.json', () => {
	it('names metrics by id and fields the metric returns', () => {
		const config = parseAlertConfig(readFileSync(FILE, 'utf8'), FILE);
		expect(config.rules.length).toBeGreaterThan(0);
		for (const rule of config.rules) {
			const def = getMetric(rule.metric);
			// A built metric's extra columns are not declared; value always exists.
			const fields = ['value', ...Object.keys(def.components ?? {})];
			if (!def.build) expect(fields, `${rule.id}: ${rule.metric}.${rule.field}`).toContain(rule.field);
		}
	});

	it('refuses a metric that has no definition, naming the field', () => {
		expect(() => parseAlertConfig(JSON.stringify({ rules: [{ id: 'x', metric: 'slop', op: '>', threshold: 1 }] }), 'alerts.json')).toThrow(
			/alerts\.json: rules\.0\.metric: metric must be one of/
		);
	});
});
