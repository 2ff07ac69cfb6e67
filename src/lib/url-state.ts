import { z } from 'zod';
import { dimensions, grains, type Dimension, type Grain, type MetricId, type MetricRequestInput } from './contracts/metrics.js';

/**
 * Dashboard state lives in the URL so a view survives reload and can be shared:
 *   ?from=2026-10-04&to=2026-11-01&grain=week&compare=1&cluster=us-east,eu-west
 * `from`/`to` are a half-open UTC period [from, to). When absent, the server picks
 * the last 28 days *of the data* (not of the calendar) so a demo loaded months
 * ago still opens on something.
 */
const isoDay = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-10-01')
	.refine((s) => {
		const d = new Date(`${s}T00:00:00Z`);
		return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
	}, 'is not a real calendar date');

export const pageStateSchema = z
	.object({
		from: isoDay,
		to: isoDay,
		grain: z.enum(grains, { message: `must be one of: ${grains.join(', ')}` }),
		compare: z.boolean(),
		filters: z.partialRecord(z.enum(dimensions), z.array(z.string().min(1).max(200)).min(1).max(200))
	})
	.refine((s) => s.from < s.to, { message: 'must be after from (periods are half-open [from, to))', path: ['to'] });

export type PageState = z.infer<typeof pageStateSchema>;
export type Filters = PageState['filters'];

export const DEFAULT_DAYS = 28;

export function addDays(iso: string, days: number): string {
	const d = new Date(`${iso}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + days);
	return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
	return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The period of the same length that ends where this one starts. */
export function previousPeriod(p: { from: string; to: string }): { from: string; to: string } {
	return { from: addDays(p.from, -daysBetween(p.from, p.to)), to: p.from };
}

/** The default period: the last `days` days up to and including `lastDay`. */
export function defaultPeriod(lastDay: string, days = DEFAULT_DAYS): { from: string; to: string } {
	const to = addDays(lastDay, 1);
	return { from: addDays(to, -days), to };
}

export interface ParsedPageState {
	state: PageState;
	/** "from: must be a date like 2026-10-01" — shown above the page; the default is used instead. */
	problems: string[];
}

/**
 * Reads page state from the query string. A bad value never breaks the page: it
 * is reported (naming the field) and the default used instead.
 */
export function parsePageState(sp: URLSearchParams, defaults: { from: string; to: string; grain?: Grain }): ParsedPageState {
	const problems: string[] = [];
	const filters: Record<string, string[]> = {};
	for (const [k, v] of sp) {
		if ((dimensions as readonly string[]).includes(k)) {
			const values = v.split(',').map((s) => s.trim()).filter(Boolean);
			if (values.length) filters[k] = [...new Set([...(filters[k] ?? []), ...values])];
		}
	}
	const raw = {
		from: sp.get('from') || defaults.from,
		to: sp.get('to') || defaults.to,
		grain: sp.get('grain') || defaults.grain || 'day',
		compare: sp.get('compare') === '1' || sp.get('compare') === 'true' || sp.get('compare') === 'on',
		filters
	};
	const parsed = pageStateSchema.safeParse(raw);
	if (parsed.success) return { state: parsed.data, problems };
	const fallback = { ...raw };
	for (const issue of parsed.error.issues) {
		const field = issue.path.join('.') || 'period';
		problems.push(`${field}: ${issue.message}`);
		const top = issue.path[0];
		if (top === 'from' || top === 'to') {
			fallback.from = defaults.from;
			fallback.to = defaults.to;
		} else if (top === 'grain') fallback.grain = defaults.grain ?? 'day';
		else if (top === 'filters') fallback.filters = {};
	}
	const retry = pageStateSchema.safeParse(fallback);
	const state: PageState = retry.success
		? retry.data
		: { from: defaults.from, to: defaults.to, grain: defaults.grain ?? 'day', compare: raw.compare, filters: {} };
	return { state, problems };
}

/** Query string for a state, leaving out what equals the defaults so URLs stay short. */
export function stateSearchParams(state: Partial<PageState>, keep?: URLSearchParams): URLSearchParams {
	const sp = new URLSearchParams();
	// Keep page-specific parameters (e.g. what-if knobs) that are not part of the shared state.
	if (keep) for (const [k, v] of keep) if (!isStateKey(k)) sp.append(k, v);
	if (state.from) sp.set('from', state.from);
	if (state.to) sp.set('to', state.to);
	if (state.grain && state.grain !== 'day') sp.set('grain', state.grain);
	if (state.compare) sp.set('compare', '1');
	for (const [dim, values] of Object.entries(state.filters ?? {})) if (values?.length) sp.set(dim, values.join(','));
	return sp;
}

function isStateKey(k: string): boolean {
	return k === 'from' || k === 'to' || k === 'grain' || k === 'compare' || (dimensions as readonly string[]).includes(k);
}

/** href of the current page with part of the state changed. */
export function hrefWith(url: URL, state: PageState, patch: Partial<PageState>): string {
	const sp = stateSearchParams({ ...state, ...patch }, url.searchParams);
	const qs = sp.toString();
	return `${url.pathname}${qs ? `?${qs}` : ''}`;
}

/** The metric request for a panel on a page: the page's period and filters, the panel's grain and grouping. */
export function metricInput(
	state: PageState,
	metric: MetricId,
	opts: { grain?: Grain; group_by?: Dimension[]; filters?: Filters; period?: { from: string; to: string } } = {}
): MetricRequestInput {
	const period = opts.period ?? state;
	return {
		metric,
		from: period.from,
		to: period.to,
		grain: opts.grain ?? state.grain,
		group_by: opts.group_by ?? [],
		filters: { ...state.filters, ...opts.filters }
	};
}
