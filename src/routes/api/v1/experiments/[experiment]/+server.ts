import { error, json } from '@sveltejs/kit';
import { dimensions, describeZodError, type Dimension } from '$lib/contracts/metrics';
import { readoutPanel } from '$lib/server/experiments/panel';
import { toCsv } from '$lib/csv';
import { z } from 'zod';
import type { RequestHandler } from './$types';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-10-01');
const period = z.object({ from: isoDate, to: isoDate }).refine((p) => p.from < p.to, { message: 'must be after from', path: ['to'] });

/**
 * GET /api/v1/experiments/<id>?from=&to=[&<dimension>=a,b][&format=csv]: the
 * experiment readout (config/experiments.json) over the last window_days of the
 * period: arms, exposure, guard, SRM, and per indicator each arm's value with
 * its user-clustered interval and the difference to control. CSV: one row per
 * indicator × arm.
 */
export const GET: RequestHandler = async ({ params, url }) => {
	const parsed = period.safeParse({ from: url.searchParams.get('from'), to: url.searchParams.get('to') });
	if (!parsed.success) error(400, describeZodError(parsed.error));
	const filters: Partial<Record<Dimension, string[]>> = {};
	for (const d of dimensions) {
		const v = url.searchParams.get(d);
		if (v) filters[d] = v.split(',').map((s) => s.trim()).filter(Boolean);
	}
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
