import { describe, expect, it } from 'vitest';
import { metricIds } from '../../contracts/metrics.js';
import { metricRoles, pages } from '../auth/access.js';
import { getMetric, listMetrics, metricDefinitions } from './registry.js';

describe('the metric table', () => {
	it('has one entry per metric id, filed under its own id', () => {
		expect(Object.keys(metricDefinitions).sort()).toEqual([...metricIds].sort());
		for (const [key, def] of Object.entries(metricDefinitions)) expect(def.id, `entry ${key}`).toBe(key);
	});

	it('puts every metric on a known page, so its roles follow from it', () => {
		for (const def of listMetrics()) {
			expect(Object.keys(pages), `${def.id}: page ${def.page}`).toContain(def.page);
			expect(metricRoles(def.id), `${def.id}: roles`).toEqual(pages[def.page]);
			expect(metricRoles(def.id).length, `${def.id}: someone may read it`).toBeGreaterThan(0);
		}
	});

	it('scores only metrics that exist and are not composites themselves', () => {
		const components = listMetrics().flatMap((d) => d.scoredComponents ?? []);
		expect(components.length).toBeGreaterThan(0);
		for (const c of components) expect(getMetric(c.id).scoredComponents, c.id).toBeUndefined();
	});

	it('gives every metric its own title', () => {
		const titles = listMetrics().map((d) => d.title);
		expect(new Set(titles).size).toBe(titles.length);
	});
});
