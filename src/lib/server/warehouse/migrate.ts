import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { sqlPath } from '../project-root.js';
import { renderStatements, tablesOf, type Migration } from './render-ddl.js';
import type { Warehouse } from './types.js';

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(dir = sqlPath('migrations')): Migration[] {
	return readdirSync(dir)
		.filter((f) => FILE.test(f))
		.sort()
		.map((file) => {
			const [, v, name] = FILE.exec(file)!;
			const sql = readFileSync(`${dir}/${file}`, 'utf8');
			return { version: Number(v), name: name!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
		});
}

export class MigrationEditedError extends Error {}

// The bookkeeping table goes through the same renderer as every migration so a
// cluster records versions once, on one shard (shard key 0), visible from all.
const LEDGER: Migration = {
	version: 0,
	name: 'ledger',
	file: '(built-in) schema_migrations',
	checksum: '',
	sql: `-- @shard_key 0
CREATE TABLE IF NOT EXISTS schema_migrations (
	version UInt32,
	name String,
	checksum String,
	applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree ORDER BY version;`
};

export interface MigrateResult {
	applied: string[];
	current: number;
}

/** Applies pending migrations in order; refuses to continue if an applied file was edited. */
export async function migrate(wh: Warehouse, migrations = loadMigrations()): Promise<MigrateResult> {
	const target = { cluster: wh.cluster };
	const tables = tablesOf([LEDGER, ...migrations]);
	for (const s of renderStatements(LEDGER, target, tables)) await wh.client.command({ query: s });
	const rs = await wh.client.query({
		query: 'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
		format: 'JSONEachRow'
	});
	const applied = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]));
	const done: string[] = [];
	for (const m of migrations) {
		const previous = applied.get(m.version);
		if (previous !== undefined) {
			if (previous !== m.checksum) {
				throw new MigrationEditedError(
					`Migration sql/migrations/${m.file} was edited after it was applied (checksum differs). Applied migrations are never changed: revert the edit and add a new numbered migration instead.`
				);
			}
			continue;
		}
		for (const statement of renderStatements(m, target, tables)) {
			try {
				await wh.client.command({ query: statement });
			} catch (e) {
				throw new Error(`Migration sql/migrations/${m.file} failed: ${(e as Error).message}`, { cause: e });
			}
		}
		await wh.client.insert({
			table: 'schema_migrations',
			values: [{ version: m.version, name: m.name, checksum: m.checksum }],
			format: 'JSONEachRow'
		});
		done.push(m.file);
	}
	return { applied: done, current: migrations.at(-1)?.version ?? 0 };
}
