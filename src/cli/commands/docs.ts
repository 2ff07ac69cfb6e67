import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/server/project-root.js';
import { renderDataDoc } from '../docs/data-doc.js';
import { renderMetricsDoc } from '../docs/metrics-doc.js';
import { parse, type Command } from '../command.js';

/** The generated files of docs/, each with the function that writes it. */
export const generatedDocs: Record<string, () => string> = {
	'docs/metrics.md': renderMetricsDoc,
	'docs/data.md': renderDataDoc
};

function currentText(path: string): string | undefined {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return undefined;
	}
}

const command: Command = {
	name: 'docs',
	summary: 'regenerate docs/metrics.md and docs/data.md from the metric definitions and field rules',
	help: `loopmeter docs [--check]

Writes docs/metrics.md (from the metric definitions) and docs/data.md (from the
field rules in ingest/sources/). With --check, writes nothing and exits 1 if
either file differs from what would be written.`,
	async run(argv) {
		const { values } = parse(argv, { check: { type: 'boolean' } }, false);
		let stale = 0;
		for (const [file, render] of Object.entries(generatedDocs)) {
			const path = join(projectRoot(), file);
			const text = render();
			if (currentText(path) === text) continue;
			if (values.check) {
				console.error(`${file} is out of date: run \`npm run docs\``);
				stale++;
			} else {
				writeFileSync(path, text);
				console.log(`wrote ${file}`);
			}
		}
		return stale ? 1 : 0;
	}
};

export default command;
