import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, MigrationEditedError } from '../../src/lib/server/warehouse/migrate.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const root = resolve(import.meta.dirname, '../..');
const { dataDir, open } = useTempWarehouse();

function cli(args: string[], env: Record<string, string> = {}) {
	return spawnSync(process.execPath, [join(root, 'bin', 'loopmeter.js'), ...args], {
		cwd: root,
		env: { ...process.env, LOOPMETER_DATA: dataDir, CLICKHOUSE_URL: '', ...env },
		encoding: 'utf8',
		timeout: 60_000
	});
}

describe('embedded warehouse', () => {
	it('creates the data directory and applies every migration on first open', async () => {
		await open();
		const rows = await query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version', { tag: 'test' });
		expect(rows.map((r) => Number(r.version)).filter((v) => v > 0)).toEqual(loadMigrations().map((m) => m.version));
		expect(readdirSync(dataDir)).toContain('loopmeter.lock');
	});

	it('is idempotent: migrating again applies nothing', async () => {
		const wh = await open();
		expect((await migrate(wh)).applied).toEqual([]);
	});

	it('refuses to run when an applied migration was edited', async () => {
		const wh = await open();
		const edited = loadMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
		await expect(migrate(wh, edited)).rejects.toThrow(MigrationEditedError);
		await expect(migrate(wh, edited)).rejects.toThrow(/0001_source_tables\.sql was edited after it was applied/);
	});

	it('tells a second process who holds the directory and what to do, in one line, without a stack trace', async () => {
		await open();
		const r = cli(['migrate']);
		expect(r.status).toBe(1);
		const lines = r.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(new RegExp(`in use by process ${process.pid} \\(vitest, pid ${process.pid}`));
		expect(lines[0]).toMatch(/stop it/);
		expect(r.stderr).not.toMatch(/\n\s+at /);
	});

	it('takes over a lock left behind by a process that died', async () => {
		const other = mkdtempSync(join(tmpdir(), 'loopmeter-stale-'));
		writeFileSync(join(other, 'loopmeter.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, role: 'crashed', startedAt: '2026-01-01T00:00:00Z' }));
		const r = cli(['migrate'], { LOOPMETER_DATA: other });
		expect(r.stderr).toBe('');
		expect(r.stdout).toMatch(/Applied \d+ migration/);
	});
});

describe('configuration errors', () => {
	it('names the variable in one line', () => {
		const r = cli(['migrate'], { CLICKHOUSE_URL: 'not a url' });
		expect(r.status).toBe(1);
		expect(r.stderr.trim()).toMatch(/^loopmeter: Configuration error in CLICKHOUSE_URL: /);
	});
});

