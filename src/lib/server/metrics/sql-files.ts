import { readFileSync } from 'node:fs';
import { sqlPath } from '../project-root.js';

const cache = new Map<string, string>();
const INCLUDE = /\{\{([a-z0-9_/]+)\}\}/g;

/**
 * Text of sql/metrics/<name>.sql without its trailing semicolon, cached.
 * `{{other}}` includes sql/metrics/other.sql, so a base relation used by several
 * metrics (e.g. the cost model) is written once. Double braces never clash with
 * ClickHouse's `{param:Type}` placeholders.
 */
export function metricSql(name: string, seen: string[] = []): string {
	if (seen.includes(name)) throw new Error(`sql/metrics: include cycle ${[...seen, name].join(' → ')}`);
	let sql = cache.get(name);
	if (sql === undefined) {
		const raw = readFileSync(sqlPath('metrics', `${name}.sql`), 'utf8').trim().replace(/;\s*$/, '');
		sql = raw.replace(INCLUDE, (_, inc: string) => metricSql(inc, [...seen, name]));
		cache.set(name, sql);
	}
	return sql;
}
