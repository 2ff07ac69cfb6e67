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

async function load(source: FileSource, sqlChecks: '0' | '1'): Promise<Outcome> {
	const spec = sources[source];
	for (const t of [spec.table, 'dead_letters', 'ingest_runs']) await command(`TRUNCATE TABLE ${t}`, { tag: 'test' });
	process.env.LOOPMETER_INGEST_SQL_CHECKS = sqlChecks;
	// Small chunks: records land in several chunks, and a multi-line record sits near a chunk edge.
	process.env.LOOPMETER_INGEST_CHUNK_ROWS = '100';
	startQueryProfile();
	const [r] = await ingest({ source, paths: [fixture(`${source}.csv`)], quiet: true, maxErrors: '100%' });
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
		expect(viaSql.report).toEqual(viaJs.report);
		expect(viaSql.letters).toEqual(viaJs.letters);
		expect(viaSql.rows).toEqual(viaJs.rows);
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
