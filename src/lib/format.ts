import type { Unit } from './contracts/metrics.js';

/**
 * Display formatting only: API values are never rounded, the screen rounds here.
 * One formatter per unit so every tile, axis and table cell agrees.
 */
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const usdCents = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const number2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

// Keyed by string, not Unit: units added to the contract later still format (as plain numbers).
export const unitSuffix: Record<string, string> = {
	usd: 'USD',
	usd_per_gpu_hour: 'USD / GPU-h',
	usd_per_user: 'USD / user',
	hours: 'h',
	gpu_hours: 'GPU-h',
	ratio: '%',
	count: '',
	index: '/ 100',
	depth: '',
	hours_per_user: 'h / user',
	sessions_per_user: 'sessions / user',
	users: 'users',
	hours_per_gpu_hour: 'h / GPU-h',
	usd_per_output_second: 'USD / output-s',
	usd_per_clip: 'USD / clip',
	days: 'days'
};

/** Axis label for a chart of this unit, e.g. "USD", "GPU-hours". */
export const unitAxisName: Record<string, string> = {
	usd: 'USD',
	usd_per_gpu_hour: 'USD per GPU-hour',
	usd_per_user: 'USD per user',
	hours: 'hours',
	gpu_hours: 'GPU-hours',
	ratio: 'percent',
	count: 'count',
	index: 'index (0–100)',
	depth: 'chain length',
	hours_per_user: 'hours per user',
	sessions_per_user: 'sessions per user',
	users: 'users',
	hours_per_gpu_hour: 'watch-hours per GPU-hour',
	usd_per_output_second: 'USD per second of output',
	usd_per_clip: 'USD per clip',
	days: 'days'
};

const MONEY_UNITS: readonly string[] = ['usd', 'usd_per_gpu_hour', 'usd_per_user', 'usd_per_output_second', 'usd_per_clip'];
const isMoneyUnit = (unit: Unit) => MONEY_UNITS.includes(unit);

function money(v: number): string {
	const a = Math.abs(v);
	if (a >= 1_000_000) return usdCompact.format(v);
	if (a >= 100) return usd.format(v);
	return usdCents.format(v);
}

/**
 * A value in its unit, rounded for reading: "$12,340", "1.2K GPU-h", "63.4%".
 * `short` (tiles) drops decimals from hour counts of 100 and more.
 */
export function formatValue(v: number | null | undefined, unit: Unit, opts: { short?: boolean } = {}): string {
	if (v === null || v === undefined || !Number.isFinite(v)) return '—';
	if (opts.short && (unit === 'hours' || unit === 'gpu_hours') && Math.abs(v) >= 100 && Math.abs(v) < 10_000) {
		return `${number.format(v)} ${unit === 'hours' ? 'h' : 'GPU-h'}`;
	}
	switch (unit) {
		case 'usd':
			return money(v);
		case 'usd_per_gpu_hour':
			return `${usdCents.format(v)} / GPU-h`;
		case 'usd_per_user':
			return `${usdCents.format(v)} / user`;
		case 'usd_per_output_second':
			return `${usdCents.format(v)} / output-s`;
		case 'usd_per_clip':
			return `${usdCents.format(v)} / clip`;
		case 'hours':
			return `${Math.abs(v) >= 10_000 ? compact.format(v) : number2.format(v)} h`;
		case 'gpu_hours':
			return `${Math.abs(v) >= 10_000 ? compact.format(v) : number2.format(v)} GPU-h`;
		case 'hours_per_user':
			return `${number2.format(v)} h / user`;
		case 'ratio':
			return percent.format(v);
		case 'index':
			return number2.format(v);
		case 'depth':
			return number2.format(v);
		case 'count':
			return Math.abs(v) >= 100_000 ? compact.format(v) : number.format(v);
		default:
			return `${Math.abs(v) >= 100_000 ? compact.format(v) : number2.format(v)}${unitSuffix[unit] ? ` ${unitSuffix[unit]}` : ''}`;
	}
}

/** "$2.53 / GPU-h" → { number: "$2.53", unit: "/ GPU-h" }: tiles show the unit smaller. */
export function splitUnit(text: string): { number: string; unit: string } {
	const i = text.indexOf(' ');
	return i < 0 ? { number: text, unit: '' } : { number: text.slice(0, i), unit: text.slice(i + 1) };
}

/** Short form for chart axes (no unit words; the axis name carries them). */
export function formatAxis(v: number, unit: Unit): string {
	if (!Number.isFinite(v)) return '';
	if (unit === 'ratio') return percent.format(v).replace('.0%', '%');
	if (isMoneyUnit(unit)) {
		return Math.abs(v) >= 1000 ? usdCompact.format(v) : usdCents.format(v).replace('.00', '');
	}
	return Math.abs(v) >= 1000 ? compact.format(v) : number2.format(v);
}

/** Precise form for tables and tooltips (still rounded; CSV carries the raw value). */
export function formatPrecise(v: number | null | undefined, unit: Unit): string {
	if (v === null || v === undefined || !Number.isFinite(v)) return '—';
	if (unit === 'ratio') return new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 2 }).format(v);
	if (isMoneyUnit(unit)) return usdCents.format(v);
	return new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(v);
}

export interface Delta {
	/** Relative change (0.12 = +12%), or null when the previous value is 0 or missing. */
	relative: number | null;
	absolute: number | null;
	/** 'good' / 'bad' by the metric's direction; 'flat' when unchanged or unknown. */
	tone: 'good' | 'bad' | 'flat';
}

export function delta(current: number | null | undefined, previous: number | null | undefined, higherIsBetter: boolean): Delta {
	if (current == null || previous == null || !Number.isFinite(current) || !Number.isFinite(previous)) {
		return { relative: null, absolute: null, tone: 'flat' };
	}
	const absolute = current - previous;
	const relative = previous === 0 ? null : absolute / Math.abs(previous);
	const tone = Math.abs(absolute) < 1e-12 ? 'flat' : absolute > 0 === higherIsBetter ? 'good' : 'bad';
	return { relative, absolute, tone };
}

/** "+12.3%" or, for ratios (already shares), "+1.2 pp". */
export function formatDelta(d: Delta, unit: Unit): string {
	if (d.absolute === null) return 'no previous value';
	if (unit === 'ratio') return `${d.absolute >= 0 ? '+' : '−'}${Math.abs(d.absolute * 100).toFixed(1)} pp`;
	if (d.relative === null) return `${d.absolute >= 0 ? '+' : '−'}${formatValue(Math.abs(d.absolute), unit)}`;
	return `${d.relative >= 0 ? '+' : '−'}${Math.abs(d.relative * 100).toFixed(1)}%`;
}

/** "2026-10-05" → "Oct 5" for axes. */
export function formatDay(iso: string): string {
	const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}
