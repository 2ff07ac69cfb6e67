import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { closeWarehouse, command, query } from '../../src/lib/server/warehouse/index.js';
import { engagementRecord } from '../helpers/rows.js';

const { dataDir } = useTempWarehouse('loopmeter-ingest-resume-');

const ROWS = 60_000;
const CHUNK = 2_000;
// Every 50th row is bad (watch_ms -1): 1 200 rejections, 58 800 good rows.
const BAD_EVERY = 50;
const root = join(import.meta.dirname, '..', '..');

type Format = 'ndjson' | 'csv' | 'parquet';

/** The test's rows as NDJSON, or as CSV (header + cells as written); Parquet is converted from the NDJSON by ClickHouse. */
async function writeFile(path: string, format: 'ndjson' | 'csv' = 'ndjson'): Promise<void> {
	const out = createWriteStream(path);
	for (let i = 0; i < ROWS; i++) {
		const record = (
			engagementRecord({
				impression_id: `k${i}`,
				ts: new Date(Date.UTC(2026, 8, 1) + i * 7_000).toISOString(),
				user_id: `u${i % 97}`,
				session_id: `s${i % 500}`,
				video_id: `v${i % 1000}`,
				watch_ms: i % BAD_EVERY === 0 ? -1 : i % 20_000,
				video_duration_ms: 20_000,
				position: i % 30
			})
		);
		if (format === 'csv' && i === 0 && !out.write(`${Object.keys(record).join(',')}\n`)) await once(out, 'drain');
		const line = format === 'csv' ? Object.values(record).join(',') : JSON.stringify(record);
		if (!out.write(`${line}\n`)) await once(out, 'drain');
	}
	out.end();
	await once(out, 'finish');
}

describe('kill and resume', () => {
	it.each(['ndjson', 'csv', 'parquet'] as Format[])('a killed ingest of %s, run again, ends with exactly the totals of one uninterrupted run', async (format) => {
		const dir = mkdtempSync(join(tmpdir(), 'loopmeter-resume-'));
		onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
		const path = join(dir, `big.${format}`);
		if (format === 'parquet') {
			const ndjson = join(dir, 'big.ndjson');
			await writeFile(ndjson);
			// Row groups of one chunk, so the load is cut into the same chunks as the other formats.
			await command(
				`INSERT INTO FUNCTION file({out:String}, 'Parquet') SELECT * FROM file({path:String}, 'JSONEachRow')
				 SETTINGS output_format_parquet_row_group_size = ${CHUNK}, max_threads = 1, input_format_max_rows_to_read_for_schema_inference = 100`,
				{ tag: 'test', params: { out: path, path: ndjson } }
			);
		} else await writeFile(path, format);
		// Each format starts from empty tables; the child owns the data directory while it runs.
		for (const t of ['impressions', 'dead_letters', 'ingest_runs']) await command(`TRUNCATE TABLE ${t}`, { tag: 'test' });
		await closeWarehouse();
		// The child owns the data directory while it runs; this process opens it only afterwards.
		const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), 'ingest', 'engagement', path, '--max-errors', '5%'], {
			cwd: root,
			env: { ...process.env, LOOPMETER_DATA: dataDir, LOOPMETER_INGEST_CHUNK_ROWS: String(CHUNK), LOOPMETER_PROGRESS_INTERVAL_MS: '50' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let killedAt = 0;
		let stderr = '';
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			const rows = [...stderr.matchAll(/([\d,]+) rows /g)].map((m) => Number(m[1]!.replace(/,/g, '')));
			// Well inside the file: several chunks committed, many still to go. A group of chunks commits while the next
			// is parsed, so by the time 12 chunks have been read at least the group two before has landed.
			if (!killedAt && rows.some((n) => n >= 24_000)) {
				killedAt = Math.max(...rows);
				child.kill('SIGKILL');
			}
		});
		const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
		expect(signal, `child finished before it could be killed (exit ${code}): ${stderr}`).toBe('SIGKILL');

		const before = await query<{ chunks_done: number; outcome: string }>(
			`SELECT chunks_done, outcome FROM ingest_runs FINAL WHERE source = 'engagement'`,
			{ tag: 'test' }
		);
		expect(before).toHaveLength(1);
		expect(before[0]!.outcome).toBe('running');
		expect(before[0]!.chunks_done).toBeGreaterThan(0);
		expect(before[0]!.chunks_done).toBeLessThan(ROWS / CHUNK);
		await closeWarehouse();

		process.env.LOOPMETER_INGEST_CHUNK_ROWS = String(CHUNK);
		const [resumed] = await ingest({ source: 'engagement', paths: [path], quiet: true, maxErrors: '5%' });
		expect(resumed!.message).toBe(`resumed after chunk ${before[0]!.chunks_done}`);
		expect(resumed).toMatchObject({
			outcome: 'succeeded',
			rows_read: ROWS,
			rows_loaded: ROWS - ROWS / BAD_EVERY,
			rows_duplicate: 0,
			rows_rejected: ROWS / BAD_EVERY
		});
		expect(resumed!.rejected_by_reason).toEqual([{ reason: 'watch_ms: must be ≥ 0', count: ROWS / BAD_EVERY }]);
		const [totals] = await query<{ n: string; ids: string; letters: string; runs: string }>(
			`SELECT toString(count()) AS n, toString(uniqExact(impression_id)) AS ids,
				(SELECT toString(count()) FROM dead_letters FINAL) AS letters,
				(SELECT toString(count()) FROM ingest_runs FINAL) AS runs
			 FROM impressions`,
			{ tag: 'test' }
		);
		expect(totals).toEqual({ n: String(ROWS - ROWS / BAD_EVERY), ids: String(ROWS - ROWS / BAD_EVERY), letters: String(ROWS / BAD_EVERY), runs: '1' });
		// Without FINAL too: no row was inserted twice, not even awaiting a merge.
		expect(await query(`SELECT count() AS n FROM dead_letters`, { tag: 'test' })).toEqual([{ n: ROWS / BAD_EVERY }]);
	});
});
