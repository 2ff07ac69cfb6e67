/**
 * One set of migration files serves every deployment. Embedded and single-server
 * warehouses run them as written; on a cluster each table becomes a replicated
 * `<name>_local` table on every shard plus a `Distributed` table under the
 * original name, so the metric SQL (which names only the original tables) runs
 * unchanged. The only extra a migration carries is a `-- @shard_key <expr>`
 * comment before each CREATE TABLE: the stable key rows are sharded by.
 */
export interface Migration {
	version: number;
	name: string;
	file: string;
	sql: string;
	checksum: string;
}

export interface RenderTarget {
	cluster?: string;
}

export function splitStatements(sql: string): string[] {
	return sql
		.split(/;[ \t]*(?:\r?\n|$)/)
		.map((s) => s.trim())
		.filter((s) => s.replace(/--.*$/gm, '').trim().length > 0);
}

const CREATE_TABLE = /CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)/i;
const CREATE_MV = /CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)/i;
const CREATE_VIEW = /CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)/i;
const DROP_VIEW = /DROP\s+VIEW\s+IF\s+EXISTS\s+[A-Za-z_][A-Za-z0-9_]*/i;
const DROP_TABLE = /DROP\s+TABLE\s+IF\s+EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)/i;
const ALTER_TABLE = /ALTER\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)/i;
const ENGINE = /ENGINE\s*=\s*(\w*MergeTree)\s*(?:\(([^)]*)\))?/i;
const SHARD_KEY = /--\s*@shard_key\s+(.+)$/m;

/** Tables created anywhere in the migration set: these get `_local` twins on a cluster. */
export function tablesOf(migrations: Migration[]): Set<string> {
	const names = new Set<string>();
	for (const m of migrations) for (const s of splitStatements(m.sql)) {
		const t = CREATE_TABLE.exec(s);
		if (t && ENGINE.test(s)) names.add(t[1]!);
	}
	return names;
}

/** Tables the migration set leaves in place: created and not dropped by a later migration. */
export function liveTablesOf(migrations: Migration[]): Set<string> {
	const names = tablesOf(migrations);
	for (const m of migrations) for (const s of splitStatements(m.sql)) {
		const dropped = DROP_TABLE.exec(s);
		if (dropped) names.delete(dropped[1]!);
	}
	return names;
}

export function renderStatements(migration: Migration, target: RenderTarget, tables: Set<string>): string[] {
	const statements = splitStatements(migration.sql);
	if (!target.cluster) return statements;
	const cluster = target.cluster;
	const on = `ON CLUSTER '${cluster}'`;
	const local = (name: string) => (tables.has(name) ? `${name}_local` : name);
	const out: string[] = [];
	for (const s of statements) {
		const table = CREATE_TABLE.exec(s);
		const engine = ENGINE.exec(s);
		if (table && engine) {
			const name = table[1]!;
			const key = SHARD_KEY.exec(s)?.[1]?.trim();
			if (!key) throw new Error(`${migration.file}: table ${name} needs a "-- @shard_key <expr>" comment to run on a cluster`);
			const args = engine[2]?.trim();
			const replicated = `ENGINE = Replicated${engine[1]}('/clickhouse/tables/{shard}/{database}/${name}_local', '{replica}'${args ? `, ${args}` : ''})`;
			out.push(s.replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${name}_local ${on}`).replace(ENGINE, replicated));
			out.push(`CREATE TABLE IF NOT EXISTS ${name} ${on} AS ${name}_local ENGINE = Distributed('${cluster}', currentDatabase(), ${name}_local, ${key})`);
			continue;
		}
		const mv = CREATE_MV.exec(s);
		if (mv) {
			// A materialized view fires on inserts into the shard-local source and
			// writes the shard-local rollup, so every table it names is the local twin.
			const body = s.replace(CREATE_MV, `CREATE MATERIALIZED VIEW IF NOT EXISTS ${mv[1]} ${on}`);
			out.push(rewriteTableNames(body, tables, local));
			continue;
		}
		const alter = ALTER_TABLE.exec(s);
		if (alter && tables.has(alter[1]!)) {
			const name = alter[1]!;
			out.push(s.replace(ALTER_TABLE, `ALTER TABLE ${name}_local ${on}`));
			// Column changes must reach the Distributed table too; index/projection changes only exist locally.
			if (/\b(ADD|DROP|MODIFY|RENAME)\s+COLUMN\b/i.test(s)) out.push(s.replace(ALTER_TABLE, `ALTER TABLE ${name} ${on}`));
			continue;
		}
		const dropTable = DROP_TABLE.exec(s);
		if (dropTable && tables.has(dropTable[1]!)) {
			// The Distributed table first (it reads the local one), then the local twin on every shard.
			const name = dropTable[1]!;
			out.push(s.replace(DROP_TABLE, `DROP TABLE IF EXISTS ${name} ${on}`));
			out.push(s.replace(DROP_TABLE, `DROP TABLE IF EXISTS ${name}_local ${on}`));
			continue;
		}
		const dropView = DROP_VIEW.exec(s);
		if (dropView) {
			// A view replaced by a later migration goes from every node, not only the one migrating.
			out.push(s.replace(DROP_VIEW, `$& ${on}`));
			continue;
		}
		const view = CREATE_VIEW.exec(s);
		if (view) {
			// Multiline: the statement usually starts with its comment lines, not with CREATE.
			out.push(s.replace(/^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?[A-Za-z_][A-Za-z0-9_]*)/im, `$1 ${on}`));
			continue;
		}
		out.push(s);
	}
	return out;
}

function rewriteTableNames(sql: string, tables: Set<string>, local: (n: string) => string): string {
	// Only identifiers after FROM / JOIN / TO are table references.
	return sql.replace(/\b(FROM|JOIN|TO)\s+([A-Za-z_][A-Za-z0-9_]*)/gi, (all, kw: string, name: string) =>
		tables.has(name) ? `${kw} ${local(name)}` : all
	);
}
