import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedDocs } from '../../src/cli/commands/docs.js';
import { sources } from '../../ingest/sources/index.js';
import { metricIds } from '../../src/lib/contracts/metrics.js';

describe('generated docs', () => {
	for (const [file, render] of Object.entries(generatedDocs)) {
		it(`${file} matches what \`npm run docs\` writes`, () => {
			// toBe rather than a snapshot: the committed file is the snapshot, and the message says how to refresh it.
			expect(readFileSync(file, 'utf8'), `${file} is out of date: run \`npm run docs\``).toBe(render());
		});
	}

	it('docs/metrics.md has a section for every metric id', () => {
		const text = generatedDocs['docs/metrics.md']!();
		for (const id of metricIds) expect(text, id).toContain(`<a id="${id}"></a>`);
	});

	it('every source whose rules are code describes them in words for docs/data.md', () => {
		for (const spec of Object.values(sources)) {
			if (spec.rules || spec.wholeFile) expect(spec.ruleNotes?.length ?? 0, spec.source).toBeGreaterThan(0);
		}
	});
});
