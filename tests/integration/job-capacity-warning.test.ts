import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../ingest/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { generationJobRecord, rentedFleetRecord } from '../helpers/rows.js';

/*
 * A job that started where the fleet had no capacity loads with a warning.
 * "Started" is an instant: a file may write it with an offset or as epoch
 * milliseconds, and the check must compare instants, not the text as written
 * with the fleet's 'YYYY-MM-DD HH:MM:SS.mmm' (which took '…T10:00+02:00' for
 * after 09:00 UTC and a number for before everything).
 */
useTempWarehouse('loopmeter-job-capacity-');
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-job-capacity-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ndjson(name: string, rows: object[]): string {
	const path = join(dir, name);
	writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
	return path;
}

async function load(source: 'gpu_fleet' | 'generation_jobs', path: string) {
	const [report] = await ingest({ source, paths: [path], quiet: true, actor: 'test' });
	expect(report?.outcome, report?.message).toBe('succeeded');
	return report!;
}

describe('generation_jobs: the fleet-capacity warning compares instants', () => {
	it('warns for the job that started before the capacity, whatever the form of its time, and only for it', async () => {
		// Capacity from 2026-06-05 09:00 UTC to 2026-06-06 00:00 UTC.
		await load('gpu_fleet', ndjson('fleet.ndjson', [rentedFleetRecord({ valid_from: '2026-06-05T09:00:00.000Z', valid_to: '2026-06-06T00:00:00.000Z' })]));
		const report = await load(
			'generation_jobs',
			ndjson('jobs.ndjson', [
				// 08:00 UTC written with an offset: before the capacity → the one warning.
				generationJobRecord({ job_id: 'offset-before', started_at: '2026-06-05T10:00:00+02:00', ended_at: '2026-06-05T10:05:00+02:00' }),
				// 11:00 UTC written as a time with a zone but no milliseconds: inside.
				generationJobRecord({ job_id: 'no-ms-inside', started_at: '2026-06-05T11:00:00Z', ended_at: '2026-06-05T11:05:00Z' }),
				// 12:00 and 23:59:59.999 UTC as epoch milliseconds: inside.
				generationJobRecord({ job_id: 'epoch-inside', started_at: Date.UTC(2026, 5, 5, 12), ended_at: Date.UTC(2026, 5, 5, 12, 5) }),
				generationJobRecord({ job_id: 'epoch-last-ms', started_at: Date.UTC(2026, 5, 5, 23, 59, 59, 999), ended_at: Date.UTC(2026, 5, 6, 0, 5) }),
				// 2026-06-06 00:00 UTC exactly: the interval is half-open → a warning.
				generationJobRecord({ job_id: 'at-valid-to', started_at: '2026-06-06T02:00:00.000+02:00', ended_at: '2026-06-06T02:05:00.000+02:00' })
			])
		);
		expect(report).toMatchObject({ rows_read: 5, rows_loaded: 5, rows_rejected: 0, rows_warned: 2 });
		expect(report.warnings_by_reason).toEqual([{ reason: 'cluster: no gpu_fleet capacity for this cluster and gpu_type at started_at', count: 2 }]);
	});
});
