import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { closeWarehouse, getWarehouse, type Warehouse } from '../../src/lib/server/warehouse/index.js';

/**
 * A fresh embedded warehouse for one test file. chDB binds one data path per
 * process and vitest runs each file in its own fork, so call this once, at the
 * top of the file, before anything opens the warehouse.
 */
export function useTempWarehouse(prefix = 'loopmeter-test-'): { dataDir: string; open: () => Promise<Warehouse> } {
	const dataDir = mkdtempSync(join(tmpdir(), prefix));
	process.env.LOOPMETER_DATA = dataDir;
	delete process.env.CLICKHOUSE_URL;
	afterAll(async () => {
		await closeWarehouse();
		rmSync(dataDir, { recursive: true, force: true });
	});
	return { dataDir, open: () => getWarehouse({ role: 'vitest' }) };
}

/** useTempWarehouse, opened before the file's tests run (opening runs the migrations: slow on a busy machine). */
export function useOpenTempWarehouse(prefix: string): { dataDir: string } {
	const { dataDir, open } = useTempWarehouse(prefix);
	beforeAll(async () => {
		await open();
	}, 240_000);
	return { dataDir };
}
