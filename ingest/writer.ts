import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundedStatementSettings, command, getWarehouse, mainStatements, openLane, type Lane, type Statements } from '../src/lib/server/warehouse/index.js';
import type { SourceSpec } from './sources/index.js';

/** Sets up to this size (the days of the rows being committed) narrow a day-keyed table by its index; their key set is larger and is only probed. */
const INDEXED_SET_MAX = 10_000;


/**
 * Writes validated rows of one run into the source's table, chunk by chunk,
 * without ever inserting a row the table already has:
 *
 *   rows ──JSONCompactEachRow──▶ stage (Memory)
 *   stage minus keys already present ──▶ fresh (Memory)      (counts loaded vs duplicate)
 *   fresh ──INSERT … SETTINGS insert_deduplication_token──▶ table
 *
 * The SQL fast path (addFrom, commitPending) gathers several parsed chunks in
 * a `pending` table first, and for 'first' sources writes aside only the line
 * numbers it keeps (`picked`) instead of a `fresh` copy. It commits on a lane
 * of its own, into the table the next chunks are not filling.
 *
 * Metric SQL reads impressions and jobs without FINAL, so "ReplacingMergeTree
 * will collapse it eventually" is not enough: a duplicate must never land.
 * The token is run id + chunk number: a resumed run re-sending a chunk that
 * did land is a no-op, while a later run of the same file (say after the table
 * was truncated) is not silently swallowed by an old token.
 */
export class ChunkWriter {
	private readonly stage: string;
	private readonly fresh: string;
	/**
	 * The fast path's rows added since the last commit, with their line numbers
	 * (see addFrom): two tables, one filling while the other is committed.
	 */
	private readonly pendings: readonly [string, string];
	private filling = 0;
	/** Where commitPending's statements run: beside the main queue, which meanwhile parses the next chunks. */
	private lane?: Lane;
	/** The line numbers of the pending rows a commit keeps. */
	private readonly picked: string;
	private readonly cols: string;
	private readonly key: string;
	/** Embedded only: where a chunk is written for FROM INFILE (see commit). */
	private spool?: string;
	/** Every statement here holds at most one commit group: it may use every core (see boundedStatementSettings). */
	private threads = '';

	private constructor(
		private readonly spec: SourceSpec,
		private readonly runId: string,
		/** See open(). */
		private readonly keyOnly: boolean
	) {
		// Identifiers from the run id (our own UUID) and the source spec (a constant): never user text.
		if (!/^[a-f0-9-]{36}$/.test(runId)) throw new Error(`unexpected run id ${runId}`);
		const id = runId.replace(/[^a-f0-9]/g, '');
		this.stage = `ingest_stage_${id}`;
		this.fresh = `ingest_fresh_${id}`;
		this.pendings = [`ingest_pending_${id}`, `ingest_pending2_${id}`];
		this.picked = `ingest_picked_${id}`;
		this.cols = spec.columnNames.join(', ');
		this.key = spec.key.join(', ');
	}

	/**
	 * `rerun`: this exact file was loaded before. For "latest wins" sources a
	 * re-run then skips every key already present, whatever its content:
	 * otherwise re-loading an old file would bring back values a later file
	 * changed (a revoked cameo consent turning "granted" again).
	 */
	static async open(spec: SourceSpec, runId: string, opts: { rerun?: boolean } = {}): Promise<ChunkWriter> {
		const w = new ChunkWriter(spec, runId, spec.keep === 'first' || opts.rerun === true);
		w.threads = await boundedStatementSettings();
		if ((await getWarehouse()).mode === 'embedded') {
			// Named after the run, so a resumed run reuses (and then removes) the folder of the killed one.
			w.spool = join(tmpdir(), `loopmeter-chunk-${runId}`);
			mkdirSync(w.spool, { recursive: true });
		}
		for (const t of [w.stage, w.fresh]) await command(`CREATE TABLE IF NOT EXISTS ${t} AS ${spec.table} ENGINE = Memory`, { tag: 'ingest.stage.create' });
		for (const t of w.pendings) {
			await command(`CREATE TABLE IF NOT EXISTS ${t} ENGINE = Memory AS SELECT toUInt64(0) AS _line, ${w.cols} FROM ${spec.table} LIMIT 0`, {
				tag: 'ingest.stage.create'
			});
		}
		await command(`CREATE TABLE IF NOT EXISTS ${w.picked} (_line UInt64) ENGINE = Memory`, { tag: 'ingest.stage.create' });
		for (const t of [w.stage, w.fresh, ...w.pendings, w.picked]) await command(`TRUNCATE TABLE ${t}`, { tag: 'ingest.stage.truncate' });
		return w;
	}

	/**
	 * Inserts one chunk; returns how many rows landed (the rest were already
	 * there). `asWritten[i]`, when set, is row i's original NDJSON line, valid
	 * as is (see Validated.asWritten): passing it through saves re-serializing.
	 */
	async commit(chunk: number, rows: readonly unknown[][], asWritten: readonly (string | undefined)[] = []): Promise<number> {
		if (rows.length === 0) return 0;
		const { stage } = this;
		try {
			await this.stageRows(rows, asWritten);
		} catch (e) {
			// ClickHouse read a passed-through line differently from the validator
			// (a duplicate key in one object, an exotic number form…): load the chunk
			// from the validated values instead. Still failing is a real error.
			if (!asWritten.some(Boolean)) throw e;
			await command(`TRUNCATE TABLE ${stage}`, { tag: 'ingest.stage.truncate' });
			await this.stageRows(rows, []);
		}
		return (await this.insertStaged(mainStatements, chunk)).loaded;
	}

	/**
	 * The fast path adds each parsed chunk's accepted rows (`fast`, a table with
	 * `_line` and `_refused` columns, see ./fast-path.ts) here, and commits
	 * every few chunks with commitPending: one insert of 240 000 rows instead
	 * of three of 80 000 gives the table and its rollup views a third of the
	 * parts to write and merge (measured with four chunks: insert CPU with the
	 * views' merges 10–11 → 6 s per 2 M rows), while ClickHouse parses one
	 * chunk at a time.
	 */
	async addFrom(fast: string): Promise<void> {
		await command(`INSERT INTO ${this.pendings[this.filling]} (_line, ${this.cols}) SELECT _line, ${this.cols} FROM ${fast} WHERE _refused = ''${this.with()}`, {
			tag: 'ingest.pending.add'
		});
	}

	/**
	 * Commits the rows added since the last commit, one per key — the first
	 * line of a key for 'first' sources, the last for 'latest', as commit()'s
	 * callers keep them — exactly like commit(); `chunk` (the first chunk of
	 * the group) names the deduplication token. Returns how many rows landed.
	 *
	 * When the key alone decides ('first' sources, and any re-run) the stage
	 * takes only keys the table does not hold, in the same statement: whether
	 * a key is new does not depend on which of its lines is kept, and one pass
	 * over the keys instead of two (stage, then count what is already there)
	 * saves ~10 % of a bulk load's CPU. Otherwise ('latest' sources) the kept
	 * line must be compared with the stored row, so insertStaged's two steps stay.
	 */
	async commitPending(chunk: number): Promise<number> {
		const { stage, cols, picked } = this;
		// The rows added from now on fill the other table. A caller commits one group at a time: the other table's
		// commit, the one before this, has finished.
		const pending = this.pendings[this.filling]!;
		this.filling = 1 - this.filling;
		// Every statement here is plain SQL (our own names and literals), so the lane runs it beside the main queue's parsing.
		const db = (this.lane ??= await openLane());
		try {
			if (this.keyOnly) {
				// Only the line numbers of the rows to keep are written aside, not a second copy of the rows.
				await db.command(
					`INSERT INTO ${picked} (_line) SELECT _line FROM ${pending} WHERE ${this.notYetLoaded(pending)} ORDER BY _line${this.lastWins} LIMIT 1 BY ${this.key}${this.settings}`,
					{ tag: 'ingest.stage' }
				);
				const [n] = await db.query<{ n: string }>(`SELECT toString(count()) AS n FROM ${picked}`, { tag: 'ingest.stage.count' });
				const loaded = Number(n?.n ?? 0);
				if (loaded > 0) await this.insertFrom(db, `${pending} WHERE _line IN (SELECT _line FROM ${picked})`, chunk);
				await db.command(`TRUNCATE TABLE ${picked}`, { tag: 'ingest.stage.truncate' });
				return loaded;
			}
			await db.command(`INSERT INTO ${stage} (${cols}) SELECT ${cols} FROM ${pending} ORDER BY _line${this.lastWins} LIMIT 1 BY ${this.key}${this.with()}`, {
				tag: 'ingest.stage'
			});
			return (await this.insertStaged(db, chunk)).loaded;
		} finally {
			await db.command(`TRUNCATE TABLE ${pending}`, { tag: 'ingest.pending.truncate' });
		}
	}

	/** Rows of `from` (a table, or a table with its WHERE clause) into the table under the chunk's deduplication token. */
	private async insertFrom(db: Statements, from: string, chunk: number): Promise<void> {
		const token = `${this.runId}:${chunk}`;
		await db.command(
			`INSERT INTO ${this.spec.table} (${this.cols}, ingest_run_id) SETTINGS insert_deduplication_token = '${token}'${this.insertSettings} SELECT ${this.cols}, ${this.runLiteral} FROM ${from}`,
			{ tag: 'ingest.insert' }
		);
	}

	/** The stage, minus keys already loaded, into the table under the chunk's deduplication token; empties the stage. */
	private async insertStaged(db: Statements, chunk: number): Promise<{ staged: number; loaded: number }> {
		const { stage, fresh, cols } = this;
		// Most chunks of a bulk load meet no existing key: then the stage goes straight in.
		const [counts] = await db.query<{ total: string; present: string }>(
			`SELECT toString(count()) AS total, toString(countIf(NOT (${this.notYetLoaded()}))) AS present FROM ${stage}${this.settings}`,
			{ tag: 'ingest.existing' }
		);
		const staged = Number(counts?.total ?? 0);
		const duplicates = Number(counts?.present ?? 0);
		const loaded = staged - duplicates;
		if (loaded > 0 && duplicates === 0) {
			await this.insertFrom(db, stage, chunk);
		} else if (loaded > 0) {
			await db.command(`INSERT INTO ${fresh} (${cols}, ingest_run_id) SELECT ${cols}, ingest_run_id FROM ${stage} WHERE ${this.notYetLoaded()}${this.settings}`, {
				tag: 'ingest.fresh'
			});
			await this.insertFrom(db, fresh, chunk);
			await db.command(`TRUNCATE TABLE ${fresh}`, { tag: 'ingest.stage.truncate' });
		}
		await db.command(`TRUNCATE TABLE ${stage}`, { tag: 'ingest.stage.truncate' });
		return { staged, loaded };
	}

	/**
	 * Rows into the stage table: passed-through lines as JSONEachRow, rebuilt
	 * rows as JSONCompactEachRow (arrays in column order serialize ~2.5× faster
	 * than objects), one statement per kind present.
	 */
	private async stageRows(rows: readonly unknown[][], asWritten: readonly (string | undefined)[]): Promise<void> {
		const passed: string[] = [];
		const rebuilt: string[] = [];
		for (let i = 0; i < rows.length; i++) {
			const line = asWritten[i];
			if (line !== undefined) passed.push(line);
			else rebuilt.push(JSON.stringify(rows[i]));
		}
		if (passed.length) await this.stageText(passed, 'JSONEachRow');
		if (rebuilt.length) await this.stageText(rebuilt, 'JSONCompactEachRow');
	}

	private async stageText(lines: string[], format: 'JSONEachRow' | 'JSONCompactEachRow'): Promise<void> {
		lines.push('');
		const body = lines.join('\n');
		// best_effort: passed-through times are ISO-8601 with a Z; rebuilt ones 'YYYY-MM-DD HH:MM:SS.mmm'.
		const settings = `SETTINGS date_time_input_format = 'best_effort', input_format_skip_unknown_fields = 1`;
		if (this.spool) {
			// chDB parses data given inline in the query text ~20× slower than from a file.
			// The path is our own mkdtemp directory: no user text in the SQL.
			const path = join(this.spool, 'chunk.json');
			writeFileSync(path, body);
			await command(`INSERT INTO ${this.stage} (${this.cols}) FROM INFILE '${path}' ${settings} FORMAT ${format}`, { tag: 'ingest.stage' });
		} else {
			await command(`INSERT INTO ${this.stage} (${this.cols}) ${settings} FORMAT ${format}\n${body}`, { tag: 'ingest.stage' });
		}
	}

	/** Which line of a key the stage keeps: the first, or the last for 'latest' sources (ORDER BY _line…). */
	private get lastWins(): string {
		return this.spec.keep === 'latest' ? ' DESC' : '';
	}

	/** The run id as an SQL literal: our own UUID (hex and dashes), checked in the constructor. */
	private get runLiteral(): string {
		return `'${this.runId}'`;
	}

	/** Extra settings of the insert into the source's table (see SourceDefinition.insertUnmerged); in the SQL text, as settings leak on chDB. */
	private get insertSettings(): string {
		return [this.spec.insertUnmerged ? 'optimize_on_insert = 0' : '', this.threads].map((x) => (x ? `, ${x}` : '')).join('');
	}

	/** A SETTINGS clause with `more` and the thread setting (in the SQL text: settings leak on chDB), or ''. */
	private with(...more: string[]): string {
		const list = [...more, this.threads].filter(Boolean);
		return list.length ? ` SETTINGS ${list.join(', ')}` : '';
	}

	/**
	 * Settings of the statements that run notYetLoaded (in the SQL text: settings leak on chDB).
	 * Key only, by day: the day set narrows the table by its sort key, and the
	 * key set (80 000 to 240 000 values) is left out of the index analysis,
	 * which cost more than the whole scan it saved (new-key check of a
	 * 100 000-row chunk at 5 M rows: 124 → 57 ms). Whole rows: NULL must equal NULL inside IN.
	 */
	private get settings(): string {
		if (!this.keyOnly) return this.with('transform_null_in = 1');
		return this.with(this.spec.dayColumn ? `use_index_for_in_with_subqueries_max_values = ${INDEXED_SET_MAX}` : '');
	}

	/** The WHERE clause that keeps only rows of `stage` (the stage table, or the fast path's) the table does not already hold. */
	private notYetLoaded(stage = this.stage): string {
		const { spec, cols } = this;
		const key = `(${this.key})`;
		if (this.keyOnly) {
			// Narrowed to the days present in the chunk: the table's sort key starts with the day.
			const days = spec.dayColumn
				? `toDate(${spec.dayColumn}) IN (SELECT DISTINCT toDate(${spec.dayColumn}) FROM ${stage}) AND `
				: '';
			return `${key} NOT IN (SELECT ${this.key} FROM ${spec.table} WHERE ${days}${key} IN (SELECT ${this.key} FROM ${stage}))`;
		}
		// Latest row wins: skip only a row identical to the current version of its key.
		return `(${this.key}, (${cols})) NOT IN (SELECT ${this.key}, (${cols}) FROM ${spec.table} FINAL WHERE ${key} IN (SELECT ${this.key} FROM ${stage}))`;
	}

	async close(): Promise<void> {
		await this.lane?.close();
		this.lane = undefined;
		for (const t of [this.stage, this.fresh, ...this.pendings, this.picked]) await command(`DROP TABLE IF EXISTS ${t}`, { tag: 'ingest.stage.drop' });
		if (this.spool) rmSync(this.spool, { recursive: true, force: true });
	}
}
