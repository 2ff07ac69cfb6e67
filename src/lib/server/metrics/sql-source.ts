import { readFileSync } from 'node:fs';
import type { MetricId } from '../../contracts/metrics.js';
import { sqlPath } from '../project-root.js';
import { getMetric } from './registry.js';
import { hasMetricSql, includedFiles, includes } from './sql-files.js';

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
		if (!hasMetricSql(name)) return;
		const text = readFileSync(sqlPath('metrics', `${name}.sql`), 'utf8');
		out.push({ file: `sql/metrics/${name}.sql`, text });
		// A rollup relation is listed in both forms: the rollup read, and the raw definition it equals.
		for (const m of includes(text)) {
			if (m[1] === 'rollup:') visit(`rollup_${m[2]!}`);
			includedFiles(m).forEach(visit);
		}
	};
	names.forEach(visit);
	return out;
}
