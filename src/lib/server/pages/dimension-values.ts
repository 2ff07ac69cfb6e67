import type { Dimension } from '../../contracts/metrics.js';
import { query } from '../warehouse/index.js';
import { cachedForPages } from './page-cache.js';

/**
 * Values offered by the filter bar for a dimension. Each SQL is fixed text per
 * dimension (never built from input). Plans come from the Stripe engineer's
 * `user_plan_intervals` view when it exists; users without a paid interval are `free`.
 */
const SOURCES: Partial<Record<Dimension, string>> = {
	cluster: 'SELECT DISTINCT toString(cluster) AS v FROM gpu_fleet',
	gpu_type: 'SELECT DISTINCT toString(gpu_type) AS v FROM gpu_fleet',
	ownership: 'SELECT DISTINCT toString(ownership) AS v FROM gpu_fleet',
	purpose: 'SELECT DISTINCT toString(purpose) AS v FROM generation_jobs',
	model: 'SELECT DISTINCT toString(model) AS v FROM generation_jobs',
	resolution: 'SELECT DISTINCT toString(resolution) AS v FROM generation_jobs',
	status: 'SELECT DISTINCT toString(status) AS v FROM generation_jobs',
	rec_arm: 'SELECT DISTINCT toString(rec_arm) AS v FROM impressions',
	feed_mode: 'SELECT DISTINCT toString(feed_mode) AS v FROM impressions',
	country: "SELECT DISTINCT toString(country) AS v FROM impressions WHERE country != ''",
	platform: "SELECT DISTINCT toString(platform) AS v FROM impressions WHERE platform != ''",
	surface: 'SELECT DISTINCT toString(surface) AS v FROM impressions',
	creator_kind: 'SELECT DISTINCT toString(creator_kind) AS v FROM videos',
	cost_component: "SELECT arrayJoin(['rental', 'amortization', 'power', 'maintenance']) AS v",
	dead_reason: "SELECT arrayJoin(['failed', 'cancelled', 'moderated', 'never_watched_7d']) AS v"
};

async function planValues(): Promise<string[]> {
	const exists = await query<{ n: string }>(
		"SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'user_plan_intervals'",
		{ tag: 'filters:plan-source' }
	);
	if (Number(exists[0]?.n ?? 0) === 0) return ['free'];
	const rows = await query<{ v: string }>('SELECT DISTINCT toString(plan) AS v FROM user_plan_intervals', { tag: 'filters:plan' });
	return [...new Set(['free', ...rows.map((r) => r.v)])];
}

// The values change only when data is loaded: one answer per dimension and data
// version (page-cache.ts), shared by concurrent page loads instead of re-read by
// each of them every minute.
export function dimensionValues(dim: Dimension): Promise<string[]> {
	return cachedForPages('dimension-values', dim, () => readDimensionValues(dim));
}

async function readDimensionValues(dim: Dimension): Promise<string[]> {
	let values: string[];
	if (dim === 'plan') values = await planValues();
	else {
		const sql = SOURCES[dim];
		values = sql ? (await query<{ v: string }>(`${sql} ORDER BY v LIMIT 500`, { tag: `filters:${dim}` })).map((r) => r.v) : [];
	}
	values.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
	return values;
}

/** Filter-bar options for several dimensions; a failing lookup gives an empty list, not a broken page. */
export async function filterOptions(dims: { dim: Dimension; label: string }[]): Promise<{ dim: Dimension; label: string; values: string[] }[]> {
	return Promise.all(dims.map(async (d) => ({ ...d, values: await dimensionValues(d.dim).catch(() => []) })));
}
