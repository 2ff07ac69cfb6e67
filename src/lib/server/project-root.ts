import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding `sql/`. Found by walking up from this module (source tree,
 * `.svelte-kit/output` or `build/` all sit below it) and then from the working
 * directory, so the CLI, the dev server and the production build agree.
 */
export function projectRoot(): string {
	if (cached) return cached;
	const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
	for (const start of starts) {
		for (let dir = resolve(start); ; dir = dirname(dir)) {
			if (existsSync(join(dir, 'sql', 'migrations')) && existsSync(join(dir, 'package.json'))) return (cached = dir);
			if (dirname(dir) === dir) break;
		}
	}
	throw new Error('Cannot find the Loopmeter folder (one with sql/migrations); run from the project directory.');
}

export const sqlPath = (...parts: string[]) => join(projectRoot(), 'sql', ...parts);
