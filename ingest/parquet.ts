import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, getWarehouse } from '../src/lib/server/warehouse/index.js';
import { IngestFileError } from './errors.js';

/**
 * Parquet is columnar and binary, so it is not validated in place: ClickHouse
 * (the embedded engine, which reads Parquet at ~2 M rows/s) rewrites it as
 * NDJSON next to it, and the NDJSON path validates it line by line (line =
 * row number). Times come out as ISO-8601 UTC, which the validator accepts.
 * The conversion may take minutes for a big file: it is exempt from the
 * dashboard's query timeout (max_execution_time = 0 for this statement only).
 * Its reader's memory is capped (256 MiB watermark, no row-group prefetch)
 * and it reads one row group at a time on one thread: with the defaults,
 * converting 5 M rows (1 M-row row groups) peaked at 1.42 GiB RSS; with the
 * watermark alone 0.86 GiB, but 1.01 GiB on a file of more repetitive
 * values (68 MB for 5 M rows); on one thread 0.64 GiB, in 11.7 s instead of
 * 6.8 s (2026-11-26).

 * Returns the NDJSON path and a cleanup function.
 */
export async function parquetAsNdjson(name: string, path: string): Promise<{ path: string; cleanup: () => void }> {
	const wh = await getWarehouse();
	if (wh.mode !== 'embedded') {
		throw new IngestFileError(name, 'Parquet files are loaded through the embedded warehouse only; convert it to NDJSON or CSV for a ClickHouse server');
	}
	const dir = mkdtempSync(join(tmpdir(), 'loopmeter-parquet-'));
	const out = join(dir, 'rows.ndjson');
	try {
		await command(
			`INSERT INTO FUNCTION file({out:String}, 'JSONEachRow') SELECT * FROM file({path:String}, 'Parquet')
			 SETTINGS date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 0, output_format_json_quote_decimals = 1,
			 max_execution_time = 0, input_format_parquet_memory_high_watermark = 268435456, input_format_parquet_enable_row_group_prefetch = 0,
			 max_threads = 1, max_parsing_threads = 1`,
			{ tag: 'ingest.parquet', params: { out, path } }
		);
	} catch (e) {
		rmSync(dir, { recursive: true, force: true });
		const msg = (e as Error).message.split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
		throw new IngestFileError(name, `is not a readable Parquet file (${msg.slice(0, 200)})`);
	}
	return { path: out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
