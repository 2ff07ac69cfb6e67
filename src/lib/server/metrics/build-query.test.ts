import { beforeAll, describe, expect, it } from 'vitest';
import { metricRequest, type MetricRequestInput } from '../../contracts/metrics.js';
import { query } from '../warehouse/index.js';
import { useTempWarehouse } from '../../../../tests/helpers/warehouse.js';
import { buildMetricQuery, MetricRequestError } from './build-query.js';
import { getMetric, listMetrics, supportedDimensions } from './registry.js';
import { metricSql } from './sql-files.js';

// What the query builders write, pinned as text, and proof that the real
// engine parses every metric's statement (EXPLAIN SYNTAX on the migrated schema).
const { open } = useTempWarehouse('loopmeter-build-query-');
// Opening runs the migrations: slow on a busy machine.
beforeAll(async () => {
	await open();
}, 240_000);

const build = (input: MetricRequestInput, forceRaw = false) => buildMetricQuery(metricRequest.parse(input), getMetric, { forceRaw });
const PERIOD = { from: '2026-10-01', to: '2026-10-15' };
/** The statement with its base file's text left out: the snapshot pins what the builder adds. */
const elide = (sql: string, file: string) => sql.replace(metricSql(file), '\t…');

describe('query builders', () => {
	it('an aggregate metric: period, groups, value, components, filters as parameters', () => {
		const q = build({ metric: 'utilization', ...PERIOD, grain: 'week', group_by: ['cluster'], filters: { gpu_type: ['H100'] } });
		expect(q.file).toBe('sql/metrics/fleet_utilization_daily.sql');
		expect(q.params).toMatchObject({ from: PERIOD.from, to: PERIOD.to, f_gpu_type: ['H100'] });
		expect(elide(q.sql, 'fleet_utilization_daily')).toMatchInlineSnapshot(`
			"SELECT
				toMonday(day) AS period,
				cluster,
				sum(utilized_h) / nullIf(sum(provisioned_h), 0) AS value,
				sum(utilized_h) AS utilized_gpu_hours,
				sum(provisioned_h) AS provisioned_gpu_hours
			FROM (
				…
			) AS base
			WHERE day >= {from:Date} AND day < {to:Date} AND gpu_type IN {f_gpu_type:Array(String)}
			GROUP BY period, cluster
			ORDER BY period, cluster"
		`);
	});

	it('a metric wrapping its own aggregate (period shares) through the build context', () => {
		const q = build({ metric: 'dead_compute', ...PERIOD, grain: 'total', group_by: ['dead_reason'] });
		expect(q.file).toBe('sql/metrics/dead_compute_jobs.sql');
		expect(elide(q.sql, 'dead_compute_jobs')).toMatchInlineSnapshot(`
			"SELECT * EXCEPT (all_gpu_hours, all_cost_usd),
				value / nullIf(sum(all_gpu_hours) OVER (), 0) AS dead_share,
				dead_cost_usd / nullIf(sum(all_cost_usd) OVER (), 0) AS dead_cost_share
			FROM (
			SELECT
				dead_reason,
				sumIf(gpu_hours, dead_reason != 'live') AS value,
				sumIf(cost_usd, dead_reason != 'live') AS dead_cost_usd,
				sum(gpu_hours) AS all_gpu_hours,
				sum(cost_usd) AS all_cost_usd
			FROM (
				…
			) AS base
			WHERE day >= {from:Date} AND day < {to:Date}
			GROUP BY dead_reason
			ORDER BY dead_reason
			)
			ORDER BY dead_reason"
		`);
	});

	it('the Slop Index: one component query per indicator, each built by the engine the way the index is read', () => {
		const q = build({ metric: 'slop_index', ...PERIOD, grain: 'total' }, true);
		const components = getMetric('slop_index').scoredComponents ?? [];
		expect(components.length).toBe(12);
		expect(q.sql.match(/^\tSELECT \d+ AS component, -?1 AS direction/gm)).toHaveLength(components.length);
		// Read raw: no rollup anywhere in the statement, and the rollup flag says so.
		expect(q.rollup).toBe(false);
		expect(build({ metric: 'slop_index', ...PERIOD, grain: 'total' }).rollup).toBe(true);
		expect(q.sql.slice(q.sql.indexOf('with_baseline AS'))).toMatchInlineSnapshot(`
			"with_baseline AS (
				SELECT *,
					-- Days, not rows: grouped by arm, each day has a row per arm.
					uniqExactIf(day, day < {from:Date} AND x IS NOT NULL) OVER (PARTITION BY component) >= 7 AS before_period,
					if(before_period, avgIf(x, day < {from:Date}) OVER (PARTITION BY component), avgIf(x, day >= {from:Date} AND day < addDays({from:Date}, 28)) OVER (PARTITION BY component)) AS mu,
					if(before_period, stddevPopIf(x, day < {from:Date}) OVER (PARTITION BY component), stddevPopIf(x, day >= {from:Date} AND day < addDays({from:Date}, 28)) OVER (PARTITION BY component)) AS sigma
				FROM components
			),
			scored AS (
				SELECT day, component,
					least(100, greatest(0, 50 + 25 * direction * (x - mu) / greatest(ifNull(sigma, 0), abs(mu) * 0.01, 1e-12))) AS score
				FROM with_baseline
				WHERE day >= {from:Date} AND day < {to:Date} AND x IS NOT NULL AND mu IS NOT NULL
			),
			daily AS (
				SELECT day, avg(score) AS d_value, uniqExact(component) AS d_components, avgIf(score, component = 0) AS d_feed_diversity, avgIf(score, component = 1) AS d_creator_concentration, avgIf(score, component = 2) AS d_near_duplicate_share, avgIf(score, component = 3) AS d_remix_depth, avgIf(score, component = 4) AS d_novelty, avgIf(score, component = 5) AS d_divergence, avgIf(score, component = 6) AS d_long_session_share, avgIf(score, component = 7) AS d_late_night_share, avgIf(score, component = 8) AS d_autoplay_share, avgIf(score, component = 9) AS d_ai_mix, avgIf(score, component = 10) AS d_cameo_unconsented_share, avgIf(score, component = 11) AS d_copyright_share
				FROM scored
				GROUP BY day
			)
			SELECT avg(d_value) AS value, avg(d_components) AS components_scored, avg(d_feed_diversity) AS feed_diversity_score, avg(d_creator_concentration) AS creator_concentration_score, avg(d_near_duplicate_share) AS near_duplicate_share_score, avg(d_remix_depth) AS remix_depth_score, avg(d_novelty) AS novelty_score, avg(d_divergence) AS divergence_score, avg(d_long_session_share) AS long_session_share_score, avg(d_late_night_share) AS late_night_share_score, avg(d_autoplay_share) AS autoplay_share_score, avg(d_ai_mix) AS ai_mix_score, avg(d_cameo_unconsented_share) AS cameo_unconsented_share_score, avg(d_copyright_share) AS copyright_share_score
			FROM daily"
		`);
	});

	it('every metric builds SQL the engine parses, for each grain and each dimension it supports', async () => {
		const failures: string[] = [];
		for (const def of listMetrics()) {
			const requests: MetricRequestInput[] = [
				{ metric: def.id, ...PERIOD, grain: 'day' },
				{ metric: def.id, ...PERIOD, grain: 'total' },
				...supportedDimensions(def).map((d) => ({ metric: def.id, ...PERIOD, grain: 'week' as const, group_by: [d], filters: { [d]: ['x'] } }))
			];
			for (const input of requests) {
				for (const forceRaw of [false, true]) {
					let q;
					try {
						q = build(input, forceRaw);
					} catch (e) {
						// A request the metric refuses (no raw-table source for a dimension) is refused before any SQL.
						if (e instanceof MetricRequestError) continue;
						throw e;
					}
					const what = `${def.id} ${JSON.stringify(input)} raw=${forceRaw}`;
					const problem = await query<{ explain: string }>(`EXPLAIN SYNTAX ${q.sql}`, { tag: 'test:explain', params: q.params }).then(
						(rows) => (rows.length ? '' : 'EXPLAIN SYNTAX returned nothing'),
						(e: Error) => e.message.split('\n')[0]!
					);
					if (problem) failures.push(`${what}: ${problem}`);
				}
			}
		}
		expect(failures).toEqual([]);
	}, 240_000);
});
