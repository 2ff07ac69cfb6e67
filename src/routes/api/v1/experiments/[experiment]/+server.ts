import { error, json } from '@sveltejs/kit';
import { dimensions, describeZodError, grain, metricId, type Dimension } from '$lib/contracts/metrics';
import { armPeriods, ArmPeriodsError } from '$lib/server/experiments/arm-periods';
import { loadExperimentConfig } from '$lib/server/experiments/config';
import { readoutPanel } from '$lib/server/experiments/panel';
import { toCsv } from '$lib/csv';
import { z } from 'zod';
import type { RequestHandler } from './$types';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-10-01');
const period = z.object({ from: isoDate, to: isoDate }).refine((p) => p.from < p.to, { message: 'must be after from', path: ['to'] });
const byPeriod = z.object({ indicator: metricId, grain: grain.default('week') });

/**
 * GET /api/v1/experiments/<id>?from=&to=[&<dimension>=a,b][&format=csv]: the
 * experiment readout (config/experiments.json) over the last window_days of the
 * period: arms, exposure, guard, SRM, and per indicator each arm's value with
 * its user-clustered interval and the difference to control. CSV: one row per
 * indicator × arm.
 *
 * With `&indicator=<metric>[&grain=day|week|month|total]`: that indicator per period and
 * arm instead (the per-arm tables of Engagement), with the same user-clustered
 * interval and guarded verdict against control in each period; CSV one row per
 * period × arm.
 */
export const GET: RequestHandler = async ({ params, url }) => {
	const parsed = period.safeParse({ from: url.searchParams.get('from'), to: url.searchParams.get('to') });
	if (!parsed.success) error(400, describeZodError(parsed.error));
	const filters: Partial<Record<Dimension, string[]>> = {};
	for (const d of dimensions) {
		const v = url.searchParams.get(d);
		if (v) filters[d] = v.split(',').map((s) => s.trim()).filter(Boolean);
	}
	if (url.searchParams.has('indicator')) return byPeriodAnswer(params.experiment, parsed.data, filters, url);
	const panel = await readoutPanel(params.experiment, { ...parsed.data, filters });
	if (!panel.ok) error(panel.error.startsWith('no experiment') ? 404 : 500, panel.error);
	const r = panel.readout;
	if (url.searchParams.get('format') === 'csv') {
		const rows = r.indicators.flatMap((ind) =>
			ind.arms.map((a) => {
				const c = ind.comparisons.find((x) => x.arm === a.arm);
				return {
					indicator: ind.metric, arm: a.arm, value: a.value, ci_low: a.low, ci_high: a.high, users: a.users, numerator: a.numerator, denominator: a.denominator,
					delta: c?.delta ?? null, delta_low: c?.low ?? null, delta_high: c?.high ?? null, verdict: c?.verdict ?? (a.arm === r.experiment.control ? 'control' : ''), why: c?.why ?? '',
					naive_delta_low: c?.naive.low ?? null, naive_delta_high: c?.naive.high ?? null
				};
			})
		);
		return new Response(toCsv(rows), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="experiment_${r.experiment.id}_${r.window.from}_${r.window.to}.csv"` }
		});
	}
	return json(r);
};

async function byPeriodAnswer(id: string, p: { from: string; to: string }, filters: Partial<Record<Dimension, string[]>>, url: URL): Promise<Response> {
	const asked = byPeriod.safeParse({ indicator: url.searchParams.get('indicator'), grain: url.searchParams.get('grain') ?? undefined });
	if (!asked.success) error(400, describeZodError(asked.error));
	const config = loadExperimentConfig();
	const experiment = config.experiments.find((e) => e.id === id);
	if (!experiment) error(404, `no experiment "${id}" in config/experiments.json`);
	try {
		const t = await armPeriods({ metric: asked.data.indicator, dimension: experiment.dimension, grain: asked.data.grain, ...p, filters }, config);
		if (url.searchParams.get('format') !== 'csv') return json(t);
		return new Response(toCsv(t.rows), {
			headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="experiment_${id}_${t.metric}_${asked.data.grain}_${p.from}_${p.to}.csv"` }
		});
	} catch (e) {
		if (e instanceof ArmPeriodsError) error(400, e.message);
		throw e;
	}
}
