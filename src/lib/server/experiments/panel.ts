import type { Dimension, Grain, MetricId, MetricResponse } from '../../contracts/metrics.js';
import type { MetricMeta, MetricPanel } from '../../panel.js';
import { getMetric } from '../metrics/registry.js';
import { cachedForPages } from '../pages/page-cache.js';
import { armPeriods, type ArmPeriods } from './arm-periods.js';
import { loadExperimentConfig, type ExperimentConfig, type ExperimentDimension } from './config.js';
import { experimentReadout, READOUT_FILTERS, type Readout } from './readout.js';

export type ReadoutPanel = { ok: true; readout: Readout; apiHref: string } | { ok: false; experiment: string; error: string };


/** The readout of one configured experiment for a page's period and filters; never throws (the panel shows the error). */
export async function readoutPanel(
	experimentId: string,
	state: { from: string; to: string; filters?: Partial<Record<Dimension, string[]>> },
	config?: ExperimentConfig
): Promise<ReadoutPanel> {
	try {
		const c = config ?? loadExperimentConfig();
		const experiment = c.experiments.find((e) => e.id === experimentId);
		if (!experiment) return { ok: false, experiment: experimentId, error: `no experiment "${experimentId}" in config/experiments.json (have: ${c.experiments.map((e) => e.id).join(', ')})` };
		// A readout is a handful of scans over the window: one answer per data version and request, in the pages' cache.
		const readout: Readout = await cachedForPages('experiment-readout', JSON.stringify([experimentId, c, state.from, state.to, state.filters ?? {}]), () => experimentReadout(experiment, c, state));
		const sp = new URLSearchParams({ from: state.from, to: state.to });
		for (const [d, v] of Object.entries(state.filters ?? {})) if (v?.length) sp.set(d, v.join(','));
		return { ok: true, readout, apiHref: `/api/v1/experiments/${experimentId}?${sp}` };
	} catch (e) {
		return { ok: false, experiment: experimentId, error: (e as Error).message.split('\n')[0]!.slice(0, 400) };
	}
}

/**
 * A per-arm table by period (arm-periods.ts) as a metric panel, so MetricTable shows
 * it with provenance: the exact SQL run, the definition, the rows behind the metric,
 * and JSON/CSV from the experiments API with the same numbers. Never throws.
 */
export async function armPeriodsPanel(
	metric: MetricId,
	dimension: ExperimentDimension,
	state: { from: string; to: string; grain: Grain; filters?: Partial<Record<Dimension, string[]>> },
	config?: ExperimentConfig
): Promise<MetricPanel> {
	const def = getMetric(metric);
	try {
		const c = config ?? loadExperimentConfig();
		const experiment = c.experiments.find((e) => e.dimension === dimension);
		const filters = Object.fromEntries(Object.entries(state.filters ?? {}).filter(([d, v]) => v?.length && (READOUT_FILTERS as readonly string[]).includes(d)));
		const ignoredFilters = Object.entries(state.filters ?? {}).filter(([d, v]) => v?.length && !(d in filters)).map(([d]) => d);
		// Only the filters the rows can apply go into the request (and the cache key); the rest are shown as ignored.
		const req = { metric, dimension, from: state.from, to: state.to, grain: state.grain, filters };
		const t: ArmPeriods = await cachedForPages('arm-periods', JSON.stringify([req, c]), () => armPeriods(req, c));
		const sp = new URLSearchParams({ from: state.from, to: state.to, indicator: metric, grain: state.grain });
		for (const [d, v] of Object.entries(filters)) sp.set(d, v!.join(','));
		const csv = new URLSearchParams(sp);
		csv.set('format', 'csv');
		const drill = new URLSearchParams({ from: state.from, to: state.to });
		const meta: MetricMeta = {
			metric,
			title: def.title,
			unit: def.unit,
			definition: `${def.definition} Intervals here are clustered by user (delta method over users, as in the experiment readout), not per impression; no better/worse verdict against ${t.control} until each side has ${t.guard.min_users} users and ${t.guard.min_days} days of exposure in the period.`,
			higherIsBetter: def.higherIsBetter,
			file: t.file,
			sql: t.sql,
			params: t.params,
			apiHref: `/api/v1/experiments/${experiment!.id}?${sp}`,
			csvHref: `/api/v1/experiments/${experiment!.id}?${csv}`,
			drillHref: def.drilldown ? `/glossary/${metric}/rows?${drill}` : undefined,
			drilldownHasUserRows: def.drilldownHasUserRows ?? false,
			ignoredFilters
		};
		const response: MetricResponse = { metric, unit: def.unit, from: state.from, to: state.to, grain: state.grain, group_by: [dimension], rows: t.rows };
		return { ok: true, meta, request: { metric, from: state.from, to: state.to, grain: state.grain, group_by: [dimension], filters }, response };
	} catch (e) {
		return { ok: false, metric, title: def.title, error: (e as Error).message.split('\n')[0]!.slice(0, 400) };
	}
}
