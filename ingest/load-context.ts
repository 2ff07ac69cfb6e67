import type { RunLedger } from './ledger.js';
import type { SourceSpec } from './sources/index.js';
import type { compileValidator } from './validate.js';
import type { ChunkWriter } from './writer.js';

/** What both ways of loading a file are given. */
export interface LoadContext {
	spec: SourceSpec;
	ledger: RunLedger;
	/** Absent on a dry run: rows are counted as if every valid one were new. */
	writer?: ChunkWriter;
	/** The file to read: the input itself, or Parquet rewritten as NDJSON. */
	path: string;
	gzip: boolean;
	validate: ReturnType<typeof compileValidator>;
	/** LOOPMETER_INGEST_CHUNK_ROWS, when set. */
	chunkRows?: number;
}
