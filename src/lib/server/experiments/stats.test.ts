import { describe, expect, it } from 'vitest';
import { difference, independentRatio, ratioOfMeans, sampleRatioMismatch, verdictOf, zFor } from './stats.js';
import { missingSample, readoutWindow } from './readout.js';

describe('experiment statistics', () => {
	it('ratio of means over users: the delta-method variance with the n/(n−1) correction', () => {
		// users (y, x): (2, 10), (0, 10), (3, 20) → R = 5/40 = 0.125; d = 0.75, −1.25, 0.5 → Σd² = 0.5625 + 1.5625 + 0.25 = 2.375
		const e = ratioOfMeans({ n: 3, y: 5, x: 40, yy: 4 + 0 + 9, xy: 20 + 0 + 60, xx: 100 + 100 + 400 });
		expect(e.value).toBeCloseTo(0.125, 12);
		expect(e.variance).toBeCloseTo((2.375 * 3) / (2 * 1600), 12);
		// one user: a value, no variance; no denominator: nothing
		expect(ratioOfMeans({ n: 1, y: 1, x: 2, yy: 1, xy: 2, xx: 4 })).toEqual({ value: 0.5, variance: null });
		expect(ratioOfMeans({ n: 0, y: 0, x: 0, yy: 0, xy: 0, xx: 0 }).value).toBeNull();
		// every impression independent: 1 success of 4 → (1 − 2·0.25·1 + 0.0625·4)/16 = 0.75/16
		expect(independentRatio({ y: 1, x: 4, yy: 1, xy: 1, xx: 4 }).variance).toBeCloseTo(0.75 / 16, 12);
	});

	it('the readout interval of one arm against control, from per-user sums by hand', () => {
		// control users (y, x): (1, 4), (3, 4) → R = 4/8 = 0.5; d = −1, 1 → Σd² = 2; variance = 2 · 2 / (1 · 8²) = 0.0625
		const control = ratioOfMeans({ n: 2, y: 4, x: 8, yy: 1 + 9, xy: 4 + 12, xx: 16 + 16 });
		// treatment (2, 4), (4, 4), (3, 4) → R = 9/12 = 0.75; d = −1, 1, 0 → Σd² = 2; variance = 2 · 3 / (2 · 12²) = 1/48
		const treatment = ratioOfMeans({ n: 3, y: 9, x: 12, yy: 4 + 16 + 9, xy: 8 + 16 + 12, xx: 16 + 16 + 16 });
		expect(control.variance).toBeCloseTo(0.0625, 12);
		expect(treatment.variance).toBeCloseTo(1 / 48, 12);
		// delta 0.25 ± 1.959964 · √(0.0625 + 1/48) = ± 1.959964 · 0.2886751 = ± 0.5657929 → [−0.3157929, 0.8157929]: within noise
		const d = difference(treatment, control, zFor(0.95));
		expect(d.delta).toBeCloseTo(0.25, 12);
		expect(d.low).toBeCloseTo(-0.3157929, 6);
		expect(d.high).toBeCloseTo(0.8157929, 6);
		expect(d.relative).toBeCloseTo(0.5, 12);
		expect(verdictOf(d, true)).toBe('no difference');
	});

	it('a difference is better or worse only when its interval excludes zero, by the indicator direction', () => {
		expect(zFor(0.95)).toBeCloseTo(1.959964, 6);
		const d = difference({ value: 0.3, variance: 0.0001 }, { value: 0.2, variance: 0.0001 }, 1.96);
		expect(d.delta).toBeCloseTo(0.1, 12);
		expect(d.low).toBeCloseTo(0.1 - 1.96 * Math.sqrt(0.0002), 12);
		expect(d.relative).toBeCloseTo(0.5, 12);
		expect(verdictOf(d, true)).toBe('better');
		expect(verdictOf(d, false)).toBe('worse');
		expect(verdictOf({ delta: 0.01, low: -0.01, high: 0.03, relative: null }, true)).toBe('no difference');
		expect(verdictOf(difference({ value: 0.3, variance: null }, { value: 0.2, variance: 0.1 }, 1.96), true)).toBeNull();
	});

	it('sample-ratio mismatch: chi-square of users per arm against the configured split', () => {
		// 600 vs 400 against 50/50: χ² = 100²/500 · 2 = 40, 1 dof → p ≈ 2.5e-10
		const off = sampleRatioMismatch({ a: 600, b: 400 }, { a: 1, b: 1 });
		expect(off.chi2).toBeCloseTo(40, 12);
		expect(off.p).toBeLessThan(1e-9);
		expect(off.mismatch).toBe(true);
		// 510 vs 490: χ² = 0.4, p = 0.527: within chance
		const fine = sampleRatioMismatch({ a: 510, b: 490 }, { a: 0.5, b: 0.5 });
		expect(fine.chi2).toBeCloseTo(0.4, 12);
		expect(fine.p).toBeCloseTo(0.5271, 4);
		expect(fine.mismatch).toBe(false);
		// an arm nobody configured is a mismatch by itself
		expect(sampleRatioMismatch({ a: 500, b: 500, c: 3 }, { a: 1, b: 1 }).mismatch).toBe(true);
	});

	it('the guard names what is missing, and the window is the last days of the period', () => {
		expect(missingSample(1000, 7, { min_users: 1000, min_days: 7 })).toEqual([]);
		expect(missingSample(880, 3, { min_users: 1000, min_days: 7 })).toEqual(['120 more users (880 of 1000)', '4 more days (3 of 7)']);
		expect(readoutWindow({ from: '2026-01-01', to: '2026-03-01' }, 28)).toEqual({ from: '2026-02-01', to: '2026-03-01' });
		expect(readoutWindow({ from: '2026-02-20', to: '2026-03-01' }, 28)).toEqual({ from: '2026-02-20', to: '2026-03-01' });
	});
});
