import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { sources } from '../../ingest/sources/index.js';
import { fastPathSql } from '../../ingest/sql-rules.js';
import { command, query } from '../../src/lib/server/warehouse/index.js';
import { startQueryProfile, stopQueryProfile } from '../../src/lib/server/warehouse/profile.js';
import type { FileSource } from '../../src/lib/contracts/ingest.js';

/**
 * CSV on the SQL path (ingest/spool.ts csvSpoolChunks → sql-rules.ts
 * csvPathSql) against the JavaScript path on the same hostile files
 * (tests/fixtures/ingest/hostile/: BOM, CRLF, quoted fields with commas,
 * quotes and line breaks, a CR inside quotes, blank and whitespace-only
 * lines, too many and too few fields, formula-looking cells, empty cells,
 * a duplicate key, an unclosed quote at the end): the report, every dead
 * letter (line, field, reason, raw) and every stored row must be the same.
 * Parquet likewise, on a file of rule edges in typed and other columns.
 */

useTempWarehouse('loopmeter-csv-sql-');
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'ingest', 'hostile', name);

afterEach(() => {
	delete process.env.LOOPMETER_INGEST_SQL_CHECKS;
	delete process.env.LOOPMETER_INGEST_CHUNK_ROWS;
});

interface Outcome {
	report: Record<string, unknown>;
	letters: Record<string, unknown>[];
	rows: Record<string, unknown>[];
	tags: string[];
}

/** The SQL path's load equals the JavaScript path's: the same report, dead letters (line, field, reason, raw) and stored rows. */
function expectSameOutcome(viaSql: Outcome, viaJs: Outcome): void {
	expect(viaSql.report).toEqual(viaJs.report);
	expect(viaSql.letters).toEqual(viaJs.letters);
	expect(viaSql.rows).toEqual(viaJs.rows);
}

async function load(source: FileSource, sqlChecks: '0' | '1', path = fixture(`${source}.csv`)): Promise<Outcome> {
	const spec = sources[source];
	for (const t of [spec.table, 'dead_letters', 'ingest_runs']) await command(`TRUNCATE TABLE ${t}`, { tag: 'test' });
	process.env.LOOPMETER_INGEST_SQL_CHECKS = sqlChecks;
	// Small chunks: records land in several chunks, and a multi-line record sits near a chunk edge.
	process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
	startQueryProfile();
	const [r] = await ingest({ source, paths: [path], quiet: true, maxErrors: '100%' });
	const tags = stopQueryProfile().map((p) => p.tag);
	const { run_id, file_hash, duration_ms, ...report } = r!;
	expect(run_id).toBeTruthy();
	expect(file_hash).toBeTruthy();
	expect(duration_ms).toBeGreaterThanOrEqual(0);
	const letters = await query<Record<string, unknown>>(
		`SELECT toString(line) AS line, field, reason, rule, raw FROM dead_letters FINAL WHERE run_id = {id:String} ORDER BY dead_letters.line, field`,
		{ tag: 'test', params: { id: run_id } }
	);
	const cols = spec.columnNames.map((c) => `toString(${c}) AS ${c}`).join(', ');
	const rows = await query<Record<string, unknown>>(`SELECT ${cols} FROM ${spec.table} FINAL ORDER BY ${spec.key.join(', ')}`, { tag: 'test' });
	return { report, letters, rows, tags };
}

describe('CSV through SQL equals CSV through JavaScript', () => {
	it.each(['engagement', 'users', 'ad_revenue', 'videos', 'generation_jobs'] as FileSource[])('%s', async (source) => {
		const viaSql = await load(source, '1');
		const viaJs = await load(source, '0');
		// Sources whose rules render to SQL take it; the others stay on the JavaScript path (as for NDJSON).
		expect(viaSql.tags.includes('ingest.fast.csv')).toBe(fastPathSql(sources[source]) !== undefined);
		expect(viaJs.tags).not.toContain('ingest.fast.csv');
		expectSameOutcome(viaSql, viaJs);
		expect(viaSql.letters.length).toBeGreaterThan(0);
		expect(viaSql.rows.length).toBeGreaterThan(0);
	});

	it('keeps the physical line numbers after quoted line breaks, blank lines and CRLF (engagement)', async () => {
		const { letters, report } = await load('engagement', '1');
		// Line 1 is the header; e3 spans lines 4-6; lines 8 and 9 are blank; e19 spans lines 24-25 (CRLF inside quotes).
		const at = (line: number) => letters.filter((l) => l.line === String(line)).map((l) => l.field);
		expect(at(7)).toEqual(['watch_ms']);
		expect(at(13)).toEqual(['ts']);
		expect(at(16)).toEqual(['autoplay']);
		expect(letters.filter((l) => String(l.reason).includes('fields, the header has')).map((l) => l.line)).toEqual(['21', '22']);
		expect(at(28)).toEqual(['watch_ms']);
		expect(letters.at(-1)).toMatchObject({ line: '34', reason: 'line has an unclosed quote (the file ends inside a quoted field)' });
		expect(report.extra_columns).toEqual(['extra_note']);
		const [e3] = await query<{ user_id: string }>(`SELECT user_id FROM impressions WHERE impression_id = 'e3'`, { tag: 'test' });
		expect(e3).toEqual({ user_id: 'u"3' });
		const [e6] = await query<{ user_id: string; rec_arm: string }>(`SELECT user_id, rec_arm FROM impressions WHERE impression_id = 'e6'`, { tag: 'test' });
		expect(e6).toEqual({ user_id: '=1+1', rec_arm: '+cmd' });
	});

	it('refuses a header without a required column with the same file-level error', async () => {
		const { ingest: run } = await import('../../ingest/index.js');
		const { mkdtempSync, writeFileSync } = await import('node:fs');
		const { tmpdir } = await import('node:os');
		const path = join(mkdtempSync(join(tmpdir(), 'loopmeter-csv-sql-')), 'nosignup.csv');
		writeFileSync(path, 'user_id,country\nu1,US\n');
		process.env.LOOPMETER_INGEST_SQL_CHECKS = '1';
		const [r] = await run({ source: 'users', paths: [path], quiet: true });
		expect(r).toMatchObject({ outcome: 'failed', rows_loaded: 0 });
		expect(r!.message).toMatch(/nosignup\.csv: required column signup_at missing from the header/);
	});
});

describe('Parquet through SQL equals Parquet through JavaScript', () => {
	it('on typed columns at every rule edge, columns of other types, NULLs and empty strings (engagement)', async () => {
		const { mkdtempSync } = await import('node:fs');
		const { tmpdir } = await import('node:os');
		const path = join(mkdtempSync(join(tmpdir(), 'loopmeter-parquet-sql-')), 'edges.parquet');
		// Row n takes the n-th value of each list (cycling): typed columns checked on their values (String, Int64, UInt32,
		// Bool, DateTime64(3, 'UTC'), Nullable), and columns of other types (UInt8 booleans, an Int8 count, a text position).
		await command(
			`INSERT INTO FUNCTION file({path:String}, 'Parquet')
			 SELECT
				[concat('pe', toString(number)), '', concat('pe', toString(number))][number % 3 + 1] AS impression_id,
				[toDateTime64('2026-06-01 10:00:00.123', 3, 'UTC'), toDateTime64('1999-12-31 23:59:59.999', 3, 'UTC'), toDateTime64('2000-01-01 00:00:00.000', 3, 'UTC'),
				 toDateTime64('2100-01-01 00:00:00.000', 3, 'UTC'), toDateTime64('2100-01-01 00:00:00.001', 3, 'UTC')][number % 5 + 1] AS ts,
				CAST([NULL, 'u1', '', concat('ü', char(92), 'x'), 'u/2'][number % 5 + 1] AS Nullable(String)) AS user_id,
				's1' AS session_id, unhex(['7631', 'ff', '76'][number % 3 + 1]) AS video_id,
				CAST([1000, -1, 0, 4294967295, 4294967296, 9007199254740993, NULL][number % 7 + 1] AS Nullable(Int64)) AS watch_ms,
				toUInt32([15000, 0, 1][number % 3 + 1]) AS video_duration_ms, toInt8(number % 100) AS position,
				['feed', 'Feed', '', 'share_link'][number % 4 + 1] AS surface, 'default' AS feed_mode, 'control' AS rec_arm,
				[true, false][number % 2 + 1] AS autoplay, toUInt8([0, 2, 1][number % 3 + 1]) AS liked, CAST([true, NULL, false][number % 3 + 1] AS Nullable(Bool)) AS shared,
				false AS commented, false AS followed, false AS not_interested, false AS reported,
				['US', 'us', '', 'USA'][number % 4 + 1] AS country, ['web', '', 'tv'][number % 3 + 1] AS platform,
				CAST([NULL, -840, 841, 60][number % 4 + 1] AS Nullable(Int32)) AS tz_offset_min, toString(number % 2) AS is_internal
			 FROM numbers(420)`,
			{ tag: 'test', params: { path } }
		);
		const viaSql = await load('engagement', '1', path);
		const viaJs = await load('engagement', '0', path);
		expect(viaSql.tags).toContain('ingest.fast.parquet');
		expect(viaJs.tags).not.toContain('ingest.fast.parquet');
		expectSameOutcome(viaSql, viaJs);
		expect(viaSql.rows.length).toBeGreaterThan(0);
		expect(viaSql.letters.length).toBeGreaterThan(50);
	});
});
