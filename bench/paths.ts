import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/lib/server/project-root.js';

/**
 * Where a bench run keeps its warehouse and its raw figures. `bench/out/` is
 * gitignored; only the assembled `bench/results.md` is committed.
 */
export interface BenchPaths {
	out: string;
	data: string;
	results: string;
	report: string;
}

export function benchPaths(out = join(projectRoot(), 'bench', 'out')): BenchPaths {
	const paths = { out, data: join(out, 'data'), results: join(out, 'results'), report: join(projectRoot(), 'bench', 'results.md') };
	mkdirSync(paths.results, { recursive: true });
	return paths;
}
