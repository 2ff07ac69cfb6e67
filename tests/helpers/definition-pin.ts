import { expect } from 'vitest';
import { metricRequest, type MetricRequestInput } from '../../src/lib/contracts/metrics.js';
import { buildMetricQuery } from '../../src/lib/server/metrics/build-query.js';
import { getMetric } from '../../src/lib/server/metrics/registry.js';
import { metricSql } from '../../src/lib/server/metrics/sql-files.js';
import { query } from '../../src/lib/server/warehouse/index.js';

/**
 * Rows written by hand that stand for one relation of sql/metrics/ (its file
 * name): `columns` as ClickHouse's values() takes them ('day Date, x Float64'),
 * then one array a row. Only the columns the formula reads are needed.
 */
export interface HandRelation {
	file: string;
	columns: string;
	rows: readonly (readonly (string | number | boolean | null)[])[];
}

const literal = (v: string | number | boolean | null) =>
	v === null ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : String(v);

function valuesOf(r: HandRelation): string {
	return `SELECT * FROM values(${literal(r.columns)}, ${r.rows.map((row) => `(${row.map(literal).join(', ')})`).join(', ')})`;
}

/**
 * A metric as the engine builds it (its definition, its SQL files, the
 * request's grain, grouping, filters and parameters), with each named relation
 * read from hand-written rows instead of the warehouse's tables: what lies
 * between those relations and the figure is pinned on a fixture small enough
 * to compute by hand. List an including relation before what it includes.
 */
export async function metricOverRows(input: MetricRequestInput, relations: readonly HandRelation[]): Promise<Record<string, unknown>[]> {
	const req = metricRequest.parse(input);
	const built = buildMetricQuery(req, getMetric);
	let sql = built.sql;
	for (const r of relations) {
		const text = metricSql(r.file);
		if (!sql.includes(text)) throw new Error(`${req.metric}: its query does not read sql/metrics/${r.file}.sql (or an earlier relation took it)`);
		sql = sql.replaceAll(text, valuesOf(r));
	}
	return query<Record<string, unknown>>(sql, { tag: `test:pin:${req.metric}`, params: built.params });
}

/** Each expected figure of each row, in order: numbers to `digits` decimals (cents and closer), labels and nulls exactly. */
export function expectFigures(rows: readonly Record<string, unknown>[], wanted: readonly Record<string, number | string | null>[], digits = 6): void {
	expect(rows.length, JSON.stringify(rows)).toBe(wanted.length);
	wanted.forEach((want, i) => {
		for (const [k, v] of Object.entries(want)) {
			const got = rows[i]![k];
			if (typeof v === 'number') expect(Number(got), `row ${i} ${k}`).toBeCloseTo(v, digits);
			else expect(got === null ? null : String(got), `row ${i} ${k}`).toBe(v);
		}
	});
}
