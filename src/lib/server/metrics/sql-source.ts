import { readFileSync, existsSync } from 'node:fs';
import type { MetricId } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { getMetric } from './registry.js';

const INCLUDE = /\{\{([a-z0-9_/]+)\}\}/g;

export interface SqlFile {
	file: string;
	text: string;
}

/**
 * The SQL files a metric is computed from, as written (includes listed as files
 * of their own, in the order first used): what the glossary links to.
 */
export function metricSqlFiles(id: MetricId): SqlFile[] | undefined {
	const def = getMetric(id);
	if (!def) return undefined;
	const names = [...def.sources.map((s) => s.file), ...(def.drilldown ? [`drill/${def.drilldown}`] : [])];
	const out: SqlFile[] = [];
	const seen = new Set<string>();
	const visit = (name: string) => {
		if (seen.has(name)) return;
		seen.add(name);
		const path = sqlPath('metrics', `${name}.sql`);
		if (!existsSync(path)) return;
		const text = readFileSync(path, 'utf8');
		out.push({ file: `sql/metrics/${name}.sql`, text });
		for (const m of text.matchAll(INCLUDE)) visit(m[1]!);
	};
	names.forEach(visit);
	return out;
}
