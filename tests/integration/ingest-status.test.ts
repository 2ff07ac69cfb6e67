import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { warehouseStatus } from '../../src/cli/commands/status.js';

const { dataDir } = useTempWarehouse('loopmeter-ingest-status-');

describe('loopmeter status', () => {
	it('shows the embedded warehouse, its size, rows per table and the last run per source', async () => {
		await ingest({ source: 'users', paths: [join(import.meta.dirname, '..', 'fixtures', 'ingest', 'users.csv')], quiet: true, maxErrors: '100%', actor: 'status-test' });
		const s = await warehouseStatus();
		expect(s.mode).toBe('embedded');
		expect(s.where).toBe(dataDir);
		expect(s.bytes).toBeGreaterThan(0);
		const rows = Object.fromEntries(s.tables.map((t) => [t.table, t.rows]));
		// users.csv: 3 good rows, 3 rejected (see ingest.test.ts). Counts are rows stored: the run's
		// record was written 3 times (start, after its one chunk, end), one version each until a merge.
		expect(rows).toMatchObject({ users: 3, impressions: 0, dead_letters: 3, ingest_runs: 3 });
		expect(s.tables.some((t) => t.table.startsWith('ingest_stage_'))).toBe(false);
		expect(s.lastRuns).toMatchObject([{ source: 'users', outcome: 'succeeded', rows_loaded: 3, rows_rejected: 3, actor: 'status-test' }]);
	});
});
