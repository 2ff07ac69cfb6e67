import type { MetricId, MetricRequestInput, MetricResponse, Unit } from './contracts/metrics.js';

/**
 * What a page hands a tile, chart or table: the metric's numbers plus everything
 * needed to trace them (definition, the exact SQL and parameters, drill-down and
 * API links). Built on the server by `metricPanel()`; plain data, so it streams.
 */
export interface MetricMeta {
	metric: MetricId;
	title: string;
	unit: Unit;
	definition: string;
	higherIsBetter: boolean;
	/** sql/metrics/<file>.sql the base rows come from. */
	file: string;
	/** The exact statement run, with `{name:Type}` placeholders… */
	sql: string;
	/** …and the values bound to them. */
	params: Record<string, unknown>;
	/** Same numbers as JSON / CSV from the public API. */
	apiHref: string;
	csvHref: string;
	/** Rows behind the number (first 1 000; CSV for all), when the metric has a drill-down. */
	drillHref?: string;
	drilldownHasUserRows: boolean;
	/** Page filters this metric cannot apply (it lacks the dimension): shown, not silently dropped. */
	ignoredFilters: string[];
}

export type MetricPanel =
	| { ok: true; meta: MetricMeta; request: MetricRequestInput; response: MetricResponse }
	| { ok: false; metric: MetricId; title: string; error: string; unavailable?: boolean };

export interface TilePoint {
	period: string;
	value: number | null;
}

export type MetricTileData =
	| {
			ok: true;
			meta: MetricMeta;
			value: number | null;
			/** Value over the previous period of the same length. */
			previous: number | null;
			previousPeriod: { from: string; to: string };
			spark: TilePoint[];
			components: Record<string, number | string | null>;
	  }
	| { ok: false; metric: MetricId; title: string; error: string; unavailable?: boolean };
