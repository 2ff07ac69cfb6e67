import type { Dimension, MetricId, MetricPage, MetricRequest, Unit } from '../../contracts/metrics.js';

/**
 * What a metric is: one entry of the table in registry.ts. The engine
 * (build-query.ts, run.ts) only reads these; definitions never call the engine
 * back, they get what they need through the `BuildContext` it passes down.
 */

/**
 * A base source is a SQL file in sql/metrics/ returning one row per day (or finer)
 * with a `day` Date column, one String column per dimension it supports, and the
 * measure columns the metric aggregates. Listing several sources lets a metric read
 * a rollup when the request only needs the rollup's dimensions, and fall back to
 * raw tables otherwise: the aggregate expressions stay one definition.
 */
export interface BaseSource {
	file: string;
	dimensions: readonly Dimension[];
}

/** A metric a composite metric is made of, and whether a rise (+1) or a fall (−1) of it is worse. */
export interface ScoredComponent {
	id: MetricId;
	direction: 1 | -1;
}

/** What a metric's `build` gets from the engine: SQL resolved the way the request is read (rollups or raw tables, day tables). */
export interface BuildContext {
	raw: boolean;
	/** metricSql(name) for this request (or its day table); notes whether a rollup or day table was read. */
	sql: (name: string) => string;
	/**
	 * The generic query of this metric (its `value` and `components` over its
	 * first fitting source), for a `build` that wraps it (e.g. period shares).
	 */
	aggregate: () => { file: string; sql: string };
	/**
	 * Another metric's query, built the way this one is read (for a metric made
	 * of other metrics, e.g. the Slop Index); what it reads is noted too.
	 */
	metricQuery: (request: MetricRequest) => { file: string; sql: string };
}

export interface MetricDefinition {
	id: MetricId;
	title: string;
	unit: Unit;
	/** The page the metric belongs to: its API, CSV and drill-down follow that page's roles. */
	page: MetricPage;
	/** Glossary text: formula and the choices made, shown beside every panel. */
	definition: string;
	/** true when up is good: tiles colour deltas by it. */
	higherIsBetter: boolean;
	/** Sources in order of preference; the first that supports the request's dimensions is used. */
	sources: readonly BaseSource[];
	/** Aggregate SQL over the base rows giving `value`. */
	value: string;
	/** More aggregates returned beside `value` (e.g. numerator and denominator, interval bounds). */
	components?: Readonly<Record<string, string>>;
	/** The metrics a composite metric scores (Slop Index), with the direction that counts as worse. */
	scoredComponents?: readonly ScoredComponent[];
	/**
	 * For metrics that are not an aggregate of daily base rows (movements, indices):
	 * full SQL built from the validated request. Must return `period` (unless grain
	 * is total), the group-by columns, `value` and any components. SQL files it
	 * reads come from `ctx.sql(name)`, so rollups and forceRaw apply to it too.
	 */
	build?: (req: MetricRequest, ctx: BuildContext) => { file: string; sql: string };
	/** SQL file (sql/metrics/drill/) listing the rows behind the number, with `{limit:UInt32}`. */
	drilldown?: string;
	/** The drill-down shows user-level rows: only roles allowed user-level data may see it. */
	drilldownHasUserRows?: boolean;
}

/**
 * The definitions of one domain, keyed by id. The key must equal the entry's
 * `id` (a mismatch is a type error), and only metric ids are keys.
 */
export type MetricTable = { [K in MetricId]?: MetricDefinition & { id: K } };

/** Every dimension some source of the metric supports. */
export function supportedDimensions(def: MetricDefinition): Dimension[] {
	return [...new Set(def.sources.flatMap((s) => s.dimensions))];
}
