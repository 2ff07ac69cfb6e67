import type { Dimension } from '../../contracts/metrics.js';
import { cachedForPages } from '../pages/page-cache.js';
import { loadExperimentConfig, type ExperimentConfig } from './config.js';
import { experimentReadout, type Readout } from './readout.js';

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
