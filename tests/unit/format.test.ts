import { describe, expect, it } from 'vitest';
import { delta, formatDelta, formatPrecise, formatValue } from '../../src/lib/format.js';

describe('display formatting', () => {
	it('formats each unit for reading', () => {
		expect(formatValue(12345.678, 'usd')).toBe('$12,346');
		expect(formatValue(12.345, 'usd')).toBe('$12.35');
		expect(formatValue(2_500_000, 'usd')).toBe('$2.5M');
		expect(formatValue(8.2, 'usd_per_gpu_hour')).toBe('$8.20 / GPU-h');
		expect(formatValue(0.178571, 'ratio')).toBe('17.9%');
		expect(formatValue(60, 'gpu_hours')).toBe('60 GPU-h');
		expect(formatValue(0.05, 'hours_per_gpu_hour')).toBe('0.05 h / GPU-h');
		expect(formatValue(null, 'usd')).toBe('—');
		expect(formatValue(Number.NaN, 'usd')).toBe('—');
	});

	it('keeps cents in precise form', () => {
		expect(formatPrecise(-445.5, 'usd')).toBe('-$445.50');
		expect(formatPrecise(1 / 3, 'ratio')).toBe('33.33%');
	});

	it('colours deltas by whether higher is better', () => {
		expect(delta(110, 100, true)).toEqual({ relative: 0.1, absolute: 10, tone: 'good' });
		expect(delta(110, 100, false).tone).toBe('bad');
		expect(delta(100, 100, true).tone).toBe('flat');
		expect(delta(5, 0, true).relative).toBeNull();
		expect(delta(null, 1, true).absolute).toBeNull();
	});

	it('shows ratio changes in percentage points and others in percent', () => {
		expect(formatDelta(delta(0.25, 0.2, true), 'ratio')).toBe('+5.0 pp');
		expect(formatDelta(delta(90, 100, true), 'usd')).toBe('−10.0%');
		expect(formatDelta(delta(5, 0, true), 'usd')).toBe('+$5.00');
	});
});
