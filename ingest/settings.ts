import { z } from 'zod';

/**
 * Ingest tuning knobs, validated like src/lib/server/config.ts (kept here so
 * the ingest path owns them; upload size lives there as LOOPMETER_MAX_UPLOAD_BYTES).
 */
const schema = z.object({
	/**
	 * Records per chunk. The SQL fast path (every format) parses 80 000 at a
	 * time unless set (measured on 5 M rows: 100 000 took the same time and
	 * 90 MiB more peak RSS, 250 000 no less CPU) and commits
	 * FAST_PATH_CHUNKS_PER_INSERT chunks together, the unit of resume and of
	 * insert deduplication there. The JavaScript path (sources whose rules are
	 * not SQL, dry runs) commits every chunk, 50 000 unless set, and holds two chunks of
	 * rows in memory at once.
	 */
	LOOPMETER_INGEST_CHUNK_ROWS: z.coerce.number().int().min(100, 'LOOPMETER_INGEST_CHUNK_ROWS must be at least 100').optional(),
	/**
	 * 0 turns the SQL fast path off: every row is parsed and checked by the
	 * JavaScript validator (slower; the same results, which is how it is tested).
	 */
	LOOPMETER_INGEST_SQL_CHECKS: z.enum(['0', '1']).default('1'),
	/**
	 * On the SQL path, the longest ClickHouse may take to read and check one
	 * block of a Parquet file (./parquet.ts parquetChunks). On the JavaScript
	 * path Parquet is rewritten as NDJSON first: a few KB of repetitive
	 * Parquet can expand to gigabytes, so that rewrite stops, naming the
	 * file, when it runs longer than this many seconds...
	 */
	LOOPMETER_PARQUET_TIMEOUT_S: z.coerce.number().int().min(1, 'LOOPMETER_PARQUET_TIMEOUT_S must be at least 1').default(600),
	/** ...or its NDJSON grows past this many times the Parquet file (never less than PARQUET_MIN_SPOOL_BYTES)... */
	LOOPMETER_PARQUET_MAX_EXPANSION: z.coerce.number().min(1, 'LOOPMETER_PARQUET_MAX_EXPANSION must be at least 1').default(100),
	/** ...or past this many bytes, whatever the Parquet file's size (default 50 GiB). */
	LOOPMETER_PARQUET_MAX_NDJSON_BYTES: z.coerce.number().int().positive().default(50 * 2 ** 30),
	/** Interval of the plain progress lines printed when stderr is not a terminal. */
	LOOPMETER_PROGRESS_INTERVAL_MS: z.coerce.number().int().positive().default(5000)
});

export type IngestSettings = z.infer<typeof schema>;

/** A small Parquet file may always expand to this much NDJSON: its fixed overhead makes the ratio meaningless below it. */
export const PARQUET_MIN_SPOOL_BYTES = 16 * 2 ** 20;

export const FAST_PATH_CHUNK_ROWS = 80_000;
/**
 * Fast-path chunks per insert (ChunkWriter.addFrom): parsed one at a time,
 * committed together, so the run resumes at a multiple of this many chunks.
 * One group is committed while the next is parsed, so two are held at once:
 * peak RSS of a 5 M-row load 0.89–0.92 GiB with three chunks of 100 000,
 * 0.99–1.0 GiB with four, 0.83 GiB with three of 80 000.
 */
export const FAST_PATH_CHUNKS_PER_INSERT = 3;
export const JS_PATH_CHUNK_ROWS = 50_000;
/** Heap the JavaScript reader may add, between chunks, to what the process held before a full collection (see ./heap.ts): about two chunks' live objects. */
export const JS_PATH_HEAP_BYTES = 192 * 2 ** 20;

export function ingestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const parsed = schema.safeParse(cleaned);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new Error(`Configuration error in ${issue.path.join('.')}: ${issue.message}`);
	}
	return parsed.data;
}
