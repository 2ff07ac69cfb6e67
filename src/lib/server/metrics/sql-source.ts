import { readFileSync, existsSync } from 'node:fs';
import type { MetricId } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { getMetric } from './registry.js';
import { includes } from './sql-files.js';

export interface SqlFile {
	file: string;
	text: string;
}

/**
 * The SQL files a metric is computed from, as written (includes listed as files
 * of their own, in the order first used): what the glossary links to.
 */
export function metricSqlFiles(id: MetricId): SqlFile[] {
	const def = getMetric(id);
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
		// A rollup relation is listed in both forms: the rollup read, and the raw definition it equals.
		for (const m of includes(text)) {
			if (m[1] === 'rollup:') visit(`rollup_${m[2]!}`);
			visit(m[2]!);
		}
	};
	names.forEach(visit);
	return out;
}
