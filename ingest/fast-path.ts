import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundedStatementSettings, command, query } from '../src/lib/server/warehouse/index.js';
import type { CsvHeader } from './read.js';
import { canonicalPathSql, csvPathParams, csvPathSql, fastPathParams, fastPathSql, type FastPathSql } from './sql-rules.js';
import type { SourceSpec } from './sources/index.js';

/**
 * The per-run table of the NDJSON fast path: one spooled chunk (./spool.ts) is
 * parsed and checked by ClickHouse into it (the rules rendered by
 * ./sql-rules.ts), the lines SQL refused are read back for the JavaScript
 * validator, and the rows it accepts are added; ChunkWriter.addFrom then
 * moves the accepted rows on. Memory engine: one chunk at a time, emptied
 * after each.
 */
export class FastStage {
	readonly table: string;
	/** The canonical path for the file's key layout (see canonicalPathSql); false once the file turned out not to be canonical. */
	private canonical: { keys: string; sql: FastPathSql | undefined } | false | undefined;
	/** The CSV checks for the file's header (see parseCsv). */
	private csv: { key: string; sql: FastPathSql } | undefined;
	/** A parse holds one chunk: it may use every core (see boundedStatementSettings). */
	private threads = '';
	private constructor(
		private readonly spec: SourceSpec,
		private readonly sql: FastPathSql,
		runId: string,
		private readonly dir: string
	) {
		// Named from our own run id (checked: hex and dashes), never from user text.
		if (!/^[a-f0-9-]{36}$/.test(runId)) throw new Error(`unexpected run id ${runId}`);
		this.table = `ingest_fast_${runId.replace(/[^a-f0-9]/g, '')}`;
	}

	/** The stage of a source whose rules render to SQL, else undefined (the JavaScript path loads it). */
	static async open(spec: SourceSpec, runId: string, dir: string): Promise<FastStage | undefined> {
		const sql = fastPathSql(spec);
		if (!sql) return undefined;
		const s = new FastStage(spec, sql, runId, dir);
		s.threads = await boundedStatementSettings();
		await command(
			`CREATE TABLE IF NOT EXISTS ${s.table} ENGINE = Memory AS
			 SELECT toUInt64(0) AS _line, '' AS _refused, '' AS _raw, ${spec.columnNames.join(', ')} FROM ${spec.table} LIMIT 0`,
			{ tag: 'ingest.fast.create' }
		);
		await command(`TRUNCATE TABLE ${s.table}`, { tag: 'ingest.fast.truncate' });
		return s;
	}

	/**
	 * Parses one spool file; returns the lines SQL refused, in line order.
	 * `keys`: the key order most lines have (found by position, see sql-rules.ts).
	 * `records`: the chunk's non-blank lines.
	 *
	 * The canonical path first; if it refuses more than 1 % of a chunk's lines
	 * the file is not written canonically (spaces, another key order…): the
	 * chunk is parsed again by the JSON-text rules, and so is the rest of the
	 * file, since one file keeps one style.
	 */
	async parse(path: string, firstLine: number, keys: readonly string[], records: number): Promise<{ line: number; raw: string }[]> {
		const canonical = this.canonicalFor(keys);
		if (canonical) {
			// A layout ClickHouse cannot read as a tuple (a key it will not take as a name) fails the statement: the text rules take over.
			const refused = await this.run(canonical, path, firstLine, keys).catch(() => undefined);
			if (refused && refused.length <= Math.max(10, records / 100)) return refused;
			this.canonical = false;
			await this.clear();
		}
		return this.run(this.sql, path, firstLine, keys);
	}

	private canonicalFor(keys: readonly string[]): FastPathSql | undefined {
		if (this.canonical === false) return undefined;
		const key = keys.join(',');
		if (this.canonical?.keys !== key) this.canonical = { keys: key, sql: canonicalPathSql(this.spec, keys) };
		return this.canonical.sql;
	}

	private async run(sql: FastPathSql, path: string, firstLine: number, keys: readonly string[]): Promise<{ line: number; raw: string }[]> {
		await command(`INSERT INTO ${this.table} (${sql.columns.join(', ')}) ${sql.query(`file({path:String}, 'LineAsString')`)}${this.threads ? ` SETTINGS ${this.threads}` : ''}`, {
			tag: sql === this.sql ? 'ingest.fast.parse' : 'ingest.fast.canonical',
			params: { ...fastPathParams(this.spec, firstLine, keys), ...sql.params, path }
		});
		// A CRLF file's lines reach SQL without the CR (see spool.ts); the raw text is the line as the reader shows it.
		return this.refused();
	}

	/** Parses one spooled CSV chunk (./spool.ts csvSpoolChunks); returns the lines SQL refused, in line order. */
	async parseCsv(path: string, firstLine: number, header: CsvHeader): Promise<{ line: number; raw: string }[]> {
		const key = JSON.stringify(header);
		if (this.csv?.key !== key) {
			// Column i is the header's last column of its name (a record's later cell wins, as in read.ts csvRecord).
			const columnAt = this.spec.columnNames.map((name) => header.columns.lastIndexOf(name) + 1);
			this.csv = { key, sql: csvPathSql(this.spec, columnAt)! };
		}
		const sql = this.csv.sql;
		await command(`INSERT INTO ${this.table} (${sql.columns.join(', ')}) ${sql.query(`file({path:String}, 'LineAsString')`)}${this.threads ? ` SETTINGS ${this.threads}` : ''}`, {
			tag: 'ingest.fast.csv',
			params: { ...csvPathParams(firstLine, header.delimiter, header.columns.length), path }
		});
		return this.refused();
	}

	/** Loads one chunk of rows ClickHouse already checked (./parquet.ts parquetChunks, Native format); returns the rows it refused. */
	async loadChecked(path: string): Promise<{ line: number; raw: string }[]> {
		const columns = this.sql.columns.join(', ');
		await command(`INSERT INTO ${this.table} (${columns}) SELECT ${columns} FROM file({path:String}, 'Native')`, { tag: 'ingest.fast.parquet', params: { path } });
		return this.refused();
	}

	private async refused(): Promise<{ line: number; raw: string }[]> {
		const refused = await query<{ line: string; raw: string }>(
			`SELECT toString(_line) AS line, _raw AS raw FROM ${this.table} WHERE _refused != '' ORDER BY _line`,
			{ tag: 'ingest.fast.refused' }
		);
		return refused.map((r) => ({ line: Number(r.line), raw: r.raw }));
	}

	/** Rows the JavaScript validator accepted after SQL refused them (validated values, `spec.columnNames` order). */
	async add(rows: readonly { line: number; row: unknown[] }[]): Promise<void> {
		if (!rows.length) return;
		let body = '';
		for (const r of rows) body += `${JSON.stringify([r.line, '', '', ...r.row])}\n`;
		// Through a file like ChunkWriter.stageText: chDB parses inline data far slower. Our own temp directory: no user text in the SQL.
		const path = join(this.dir, 'accepted.json');
		writeFileSync(path, body);
		await command(
			`INSERT INTO ${this.table} (${this.sql.columns.join(', ')}) FROM INFILE '${path}'
			 SETTINGS date_time_input_format = 'best_effort' FORMAT JSONCompactEachRow`,
			{ tag: 'ingest.fast.accepted' }
		);
	}

	async clear(): Promise<void> {
		await command(`TRUNCATE TABLE ${this.table}`, { tag: 'ingest.fast.truncate' });
	}

	async close(): Promise<void> {
		await command(`DROP TABLE IF EXISTS ${this.table}`, { tag: 'ingest.fast.drop' });
	}
}
