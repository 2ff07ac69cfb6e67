import type { Dimension, MetricId, MetricRequest, Unit } from '../../contracts/metrics.js';
import type { BuildContext } from './build-query.js';

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

export interface MetricDefinition {
	id: MetricId;
	title: string;
	unit: Unit;
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

const registry = new Map<MetricId, MetricDefinition>();

// Under the Vite dev server an edited metric file is evaluated again while this
// registry lives on: the new definition replaces the old there. Everywhere else
// (CLI, tests, production build) a second definition of an id is a mistake.
// (`vite dev` sets NODE_ENV=development; the CLI, vitest and `npm start` do not.)
const hotReloading = Boolean((import.meta as ImportMeta & { hot?: unknown }).hot) || process.env.NODE_ENV === 'development';

export function defineMetric(def: MetricDefinition): MetricDefinition {
	if (registry.has(def.id) && !hotReloading) throw new Error(`metric ${def.id} is defined twice`);
	registry.set(def.id, def);
	return def;
}

export function getMetric(id: MetricId): MetricDefinition | undefined {
	return registry.get(id);
}

export function listMetrics(): MetricDefinition[] {
	return [...registry.values()];
}

/** Every dimension some source of the metric supports. */
export function supportedDimensions(def: MetricDefinition): Dimension[] {
	return [...new Set(def.sources.flatMap((s) => s.dimensions))];
}
