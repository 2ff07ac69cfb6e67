import { describe, expect, it } from 'vitest';
import { load } from '../../src/routes/glossary/+page.server.js';
import { asOfGlossary } from '../../src/lib/contracts/as-of.js';

type Glossary = { metrics: { id: string; followsAsOf: boolean; followsIdlePolicy: boolean }[]; asOf: typeof asOfGlossary };

describe('glossary: as_of, restatements and closed months', () => {
	const data = (load as unknown as () => Glossary)();
	const follows = (id: string) => data.metrics.find((m) => m.id === id)?.followsAsOf;

	it('marks exactly the metrics whose SQL reads the fleet and price-sheet loads as of a time', () => {
		// Spend is computed from the fleet's rates; watch-hours and MRR never read the fleet.
		expect(follows('compute_spend')).toBe(true);
		expect(follows('margin_per_gpu_hour')).toBe(true);
		expect(follows('cost_per_output_second')).toBe(true);
		expect(follows('watch_hours')).toBe(false);
		expect(follows('mrr')).toBe(false);
		// Everything that follows the idle policy is a share of spend, so it follows as_of too.
		for (const m of data.metrics.filter((x) => x.followsIdlePolicy)) expect(m.followsAsOf, m.id).toBe(true);
	});

	it('states as_of, restatement and closed month in the words the code defines once', () => {
		expect(data.asOf).toEqual(asOfGlossary);
	});
});
