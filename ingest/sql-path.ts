import { openLane, type Lane } from '../src/lib/server/warehouse/index.js';
import { checkCsvHeader, checkNdjsonColumns } from './columns.js';
import { IngestFileError } from './errors.js';
import type { FastStage } from './fast-path.js';
import type { LoadContext } from './load-context.js';
import { parquetChunks } from './parquet.js';
import { csvRecord, ndjsonRecord, type InputRecord } from './read.js';
import type { DeadLetter } from './runs.js';
import { FAST_PATH_CHUNK_ROWS, FAST_PATH_CHUNKS_PER_INSERT } from './settings.js';
import { csvSpoolChunks, spoolChunks, type CsvSpoolChunk, type SpoolChunk } from './spool.js';

/** Chunks of one format and how SQL checks each (see SqlLoad.feed). */
interface ChunkFeed {
	chunks: AsyncIterable<SpoolChunk>;
	/** Checks a chunk into the stage; the rows SQL refused, in line order. Called once per chunk, in order. */
	parse: (c: SpoolChunk) => Promise<{ line: number; raw: string }[]>;
	/** A refused row's text as the record the JavaScript validator judges. */
	record: (line: number, raw: string, c: SpoolChunk) => InputRecord;
}

/** The chunks parsed since the last commit; `first` numbers its first chunk (resume-aware: chunks before it landed). */
interface Group {
	first: number;
	chunks: number;
	read: number;
	rejected: number;
}

/**
 * NDJSON, CSV and Parquet into the embedded warehouse: ClickHouse parses and
 * checks the rows of each chunk (./fast-path.ts; Parquet in the statement
 * that reads it, ./parquet.ts); only the rows it refuses go through the
 * JavaScript validator. Chunks are
 * committed in groups (the unit of resume) on the writer's lane while the
 * next group is parsed; dead letters and run records go on a connection of
 * their own, so they never wait in line with the parsing.
 */
export async function loadWithSql(ctx: LoadContext, stage: FastStage, dir: string): Promise<void> {
	const books = await openLane();
	try {
		await new SqlLoad(ctx, stage, dir, books).run();
	} finally {
		await books.close().catch(() => {});
	}
}

class SqlLoad {
	private group: Group;
	/** The previous chunk's SQL and validation. */
	private pending: Promise<void> = Promise.resolve();
	/** The group being committed on the writer's lane while the next one is parsed. */
	private landing: Promise<void> = Promise.resolve();
	/** The dead letters stored so far, in chunk order: a group's run record waits for them. */
	private lettersSaved: Promise<void> = Promise.resolve();
	private seenRecords = 0;
	private readonly known: Set<string>;

	constructor(
		private readonly ctx: LoadContext,
		private readonly stage: FastStage,
		private readonly dir: string,
		/** Bookkeeping connection: dead letters and run records (on the main one each waited in line with the parsing). */
		private readonly books: Lane
	) {
		this.group = { first: ctx.ledger.run.chunks_done, chunks: 0, read: 0, rejected: 0 };
		this.known = new Set(ctx.spec.columnNames);
		const skipped = ctx.ledger.skipRecords;
		ctx.ledger.seen = () => skipped + this.seenRecords;
	}

	async run(): Promise<void> {
		try {
			await this.readChunks();
		} finally {
			// The last group's letters and run record are written before the connection closes.
			await this.lettersSaved.catch(() => {});
		}
	}

	/**
	 * Where the chunks come from and how SQL checks one, by format: NDJSON and
	 * CSV are spooled by lines and parsed by ClickHouse chunk by chunk; Parquet
	 * arrives already checked, streamed from ClickHouse (./parquet.ts).
	 */
	private feed(): ChunkFeed {
		const { ledger, spec } = this.ctx;
		const stage = this.stage;
		const common = {
			file: ledger.name,
			path: this.ctx.path,
			gzip: this.ctx.gzip,
			dir: this.dir,
			chunkRecords: this.ctx.chunkRows ?? FAST_PATH_CHUNK_ROWS,
			skipRecords: ledger.skipRecords,
			onBytes: (b: number) => (ledger.bytesDone = b)
		};
		const format = ledger.file.format;
		if (format === 'csv') {
			return {
				chunks: csvSpoolChunks({ ...common, onHeader: (header) => checkCsvHeader(spec, ledger.name, header, ledger.extraColumns) }),
				parse: (c) => stage.parseCsv(c.path, c.firstLine, (c as CsvSpoolChunk).header),
				record: (line, raw, c) => csvRecord(line, raw, (c as CsvSpoolChunk).header)
			};
		}
		if (format === 'parquet') {
			return {
				chunks: parquetChunks({
					name: ledger.name,
					path: this.ctx.path,
					spec,
					dir: this.dir,
					chunkRows: common.chunkRecords,
					skipRecords: ledger.skipRecords,
					onExtraColumns: (names) => names.forEach((n) => ledger.extraColumns.add(n))
				}),
				parse: (c) => stage.loadChecked(c.path),
				record: (line, raw) => ndjsonRecord(line, raw)
			};
		}
		let keys: string[] | undefined;
		return {
			chunks: spoolChunks(common),
			parse: (c) => {
				if (!keys) {
					checkNdjsonColumns(spec, ledger.name, c.samples);
					keys = Object.keys(c.samples[0] ?? {});
				}
				for (const o of c.samples) for (const k in o) if (!this.known.has(k)) ledger.extraColumns.add(k);
				return stage.parse(c.path, c.firstLine, keys, c.records - c.refused.length);
			},
			record: (line, raw) => ndjsonRecord(line, raw)
		};
	}

	private async readChunks(): Promise<void> {
		const { ledger } = this.ctx;
		const feed = this.feed();
		try {
			for await (const c of feed.chunks) {
				this.seenRecords += c.records;
				// The previous chunk's SQL is done before this one starts (and before the spool file it used is rewritten).
				await this.pending;
				// The first chunk's column checks run before it goes on (a file-level error ends the load here).
				const parsed = feed.parse(c);
				this.pending = this.chunk(c, parsed, feed);
				this.pending.catch(() => {});
				ledger.progress(false);
			}
		} catch (e) {
			// A file cut short (truncated gzip, read error): keep what was read before the break.
			if (e instanceof IngestFileError) {
				await this.pending;
				await this.commitGroup();
				await this.landing;
			}
			throw e;
		} finally {
			await this.pending.catch(() => {});
			await this.landing.catch(() => {});
		}
		await this.pending;
		await this.commitGroup();
		await this.landing;
	}

	/**
	 * One spooled chunk: SQL parses it and accepts the well-formed rows; the
	 * lines it refused (and the reader's own refusals) go through the
	 * JavaScript validator, which writes the dead letters or adds the rows.
	 */
	private async chunk(c: SpoolChunk, parsed: Promise<{ line: number; raw: string }[]>, feed: ChunkFeed): Promise<void> {
		const { ledger, validate, writer } = this.ctx;
		const stage = this.stage;
		const letters: DeadLetter[] = [];
		let rejected = 0;
		const refusedBySql = await parsed;
		const judged: InputRecord[] = [...c.refused, ...refusedBySql.map((r) => feed.record(r.line, r.raw, c))].sort((a, b) => a.line - b.line);
		const accepted: { line: number; row: unknown[] }[] = [];
		for (const rec of judged) {
			if (rec.error) {
				letters.push(ledger.reject(rec, rec.error));
				rejected++;
				continue;
			}
			const v = validate(rec.value!);
			if (v.issues) {
				for (const issue of v.issues) letters.push(ledger.reject(rec, issue));
				rejected++;
			} else accepted.push({ line: rec.line, row: v.row });
		}
		await stage.add(accepted);
		if (letters.length) {
			// Stored beside the parsing, once the file's hash is known; commitGroup waits for them.
			const chunkNumber = this.group.first + this.group.chunks;
			this.lettersSaved = this.lettersSaved.then(() => ledger.saveLetters(chunkNumber, letters, this.books));
			this.lettersSaved.catch(() => {});
		}
		await writer!.addFrom(stage.table);
		await stage.clear();
		const g = this.group;
		g.chunks++;
		g.read += c.records;
		g.rejected += rejected;
		if ((g.first + g.chunks) % FAST_PATH_CHUNKS_PER_INSERT === 0) await this.commitGroup();
	}

	/**
	 * The chunks added since the last commit land together; the run moves on
	 * only once they have (the unit of resume). Groups land one at a time and
	 * in order, so each commit sees the keys of every group before it.
	 */
	private async commitGroup(): Promise<void> {
		const g = this.group;
		if (!g.chunks) return;
		this.group = { first: g.first + g.chunks, chunks: 0, read: 0, rejected: 0 };
		const { ledger, writer } = this.ctx;
		// The run record may say a chunk is done only once its dead letters are stored: a resumed run skips done chunks.
		const stored = this.lettersSaved;
		await this.landing;
		this.landing = writer!.commitPending(g.first).then(async (loaded) => {
			await stored;
			await ledger.hashed;
			ledger.add({ read: g.read, loaded, duplicate: g.read - g.rejected - loaded, rejected: g.rejected, chunks: g.chunks });
			await ledger.save(this.books);
		});
		this.landing.catch(() => {});
	}
}
