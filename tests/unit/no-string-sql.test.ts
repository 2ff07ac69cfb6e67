import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * No SQL is built by pasting values into its text: values travel as typed
 * `{name:Type}` parameters. This walks every template literal of the server
 * code (src/lib/server, src/routes, src/cli, ingest/) that reads as SQL and
 * flags an interpolation that
 *   - sits inside a SQL string literal (`'${x}'`): the signature of a value
 *     pasted into a quoted string; or
 *   - reads from request-derived data (params, search params, bodies, forms,
 *     the request's period, filters or what-ifs, JSON of a row) rather than
 *     from an identifier chosen out of a zod enum or a helper that returns one.
 * A reviewed exception goes in ALLOWED with the reason it is safe.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src/lib/server', 'src/routes', 'src/cli', 'ingest'];

const SQL = /\b(SELECT|INSERT INTO|ALTER TABLE|CREATE (?:TABLE|VIEW|DATABASE|MATERIALIZED VIEW)|DROP|DELETE FROM|WHERE|GROUP BY|ORDER BY|SETTINGS|VALUES|JOIN|OPTIMIZE TABLE|TRUNCATE)\b/;
/** Names that carry what a client sent. */
const REQUEST_DATA = /\b(params|searchParams|url|request|body|formData|form|input|raw|row|rows|value|values)\b|\breq\.(from|to|filters|what_if)\b|JSON\.stringify|\.get\(/;

/** Reviewed interpolations: file, the expression as written, and why it cannot carry a client's value. */
const ALLOWED: { file: string; expr: string; why: string }[] = [
	{ file: 'src/lib/server/ingest-runs/index.ts', expr: 'source', why: 'a key of the constant DAY_OF table' },
	{ file: 'src/lib/server/metrics/drill.ts', expr: 'body', why: 'SQL assembled from the drill file and zod-enum dimension names; values are {f_dim:Array(String)} parameters' },
	{ file: 'src/lib/server/warehouse/index.ts', expr: 'body', why: 'the SQL text of the query being run (values in it are parameters), given a per-query SETTINGS clause' },
	{ file: 'src/lib/server/warehouse/index.ts', expr: 'marker', why: "our own randomUUID, checked against ^lm-[0-9a-f-]{36}$; a parameterised KILL would queue behind the query it must stop" },
	{ file: 'src/lib/server/warehouse/render-ddl.ts', expr: 'cluster', why: 'CLICKHOUSE_CLUSTER, validated against ^[A-Za-z0-9_.-]+$ by config.ts' },
	{ file: 'src/cli/commands/stripe.ts', expr: 'label', why: 'labels of a constant table list' },
	{ file: 'ingest/demo/bulk.ts', expr: 'body', why: 'data section after FORMAT JSONEachRow: JSON.stringify output is parsed as data, never as SQL' },
	{ file: 'ingest/demo/bulk.ts', expr: 'BULK_RUN_PREFIX', why: 'a constant' },
	{ file: 'ingest/runs.ts', expr: 'JSON.stringify(row)', why: 'data section after FORMAT JSONEachRow, parsed as data, never as SQL' },
	{ file: 'ingest/runs.ts', expr: 'body', why: 'data section after FORMAT JSONEachRow (JSON.stringify lines)' },
	{ file: 'ingest/runs.ts', expr: 'token', why: 'deduplication token from our own run UUID and a chunk number' },
	{ file: 'ingest/writer.ts', expr: 'token', why: 'deduplication token from the run UUID (checked in the constructor) and a chunk number' },
	{ file: 'ingest/writer.ts', expr: 'path', why: 'a file in our own mkdtemp spool directory' },
	{ file: 'ingest/writer.ts', expr: 'body', why: 'data section after FORMAT JSONEachRow (JSON.stringify lines)' },
	{ file: 'ingest/fast-path.ts', expr: 'path', why: 'a file in our own spool directory, named after the run UUID' },
	{
		file: 'ingest/sql-rules.ts',
		expr: "rendered.map(([name, r], i) => `if(_ok${i}, ${r.value}, NULL) AS ${name}`).join(',\\n\\t')",
		why: 'column expressions rendered from the constant field specs of ingest/sources (names and rules, no row data)'
	},
	{
		file: 'ingest/sql-rules.ts',
		expr: "rendered.map(([name, r]) => `${r.value} AS ${name}`).join(',\\n\\t')",
		why: 'the canonical path\'s column expressions, rendered from the same constant field specs (no row data)'
	}
];

interface Finding {
	file: string;
	line: number;
	expr: string;
	reason: string;
}

function files(dir: string): string[] {
	const out: string[] = [];
	const walk = (d: string) => {
		for (const e of readdirSync(d)) {
			const p = join(d, e);
			if (statSync(p).isDirectory()) walk(p);
			else if (/\.(ts|mts)$/.test(e) && !/\.(test|spec)\.ts$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
		}
	};
	walk(join(ROOT, dir));
	return out;
}

export function findStringSql(paths: string[]): Finding[] {
	const findings: Finding[] = [];
	for (const path of paths) {
		const file = relative(ROOT, path);
		const src = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
		const visit = (node: ts.Node) => {
			if (ts.isTemplateExpression(node)) {
				const literals = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
				if (SQL.test(literals.join(' '))) {
					node.templateSpans.forEach((span, i) => {
						const expr = span.expression.getText(src);
						const before = literals[i]!;
						const after = span.literal.text;
						const quoted = /['"]$/.test(before) && /^['"]/.test(after);
						// Words inside the expression's own string literals ('AS value') are SQL text, not data.
						const code = expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
						const reason = quoted ? 'value inside a SQL string literal' : REQUEST_DATA.test(code) ? 'request-derived data in SQL text' : '';
						if (!reason || ALLOWED.some((a) => a.file === file && a.expr === expr)) return;
						findings.push({ file, line: src.getLineAndCharacterOfPosition(span.expression.getStart(src)).line + 1, expr, reason });
					});
				}
			}
			ts.forEachChild(node, visit);
		};
		visit(src);
	}
	return findings;
}

describe('no string-built SQL', () => {
	it('flags the patterns it is meant to catch', () => {
		const probe = join(ROOT, 'tests/unit/fixtures/string-sql-probe.ts');
		const found = findStringSql([probe]).map((f) => `${f.expr}: ${f.reason}`);
		expect(found).toEqual([
			"url.searchParams.get('from'): value inside a SQL string literal",
			'params.id: request-derived data in SQL text',
			'JSON.stringify(row): request-derived data in SQL text'
		]);
	});

	it('no server code pastes values into SQL', () => {
		const findings = findStringSql(SCANNED.flatMap(files));
		expect(findings.map((f) => `${f.file}:${f.line} \${${f.expr}} — ${f.reason}`)).toEqual([]);
	});
});
