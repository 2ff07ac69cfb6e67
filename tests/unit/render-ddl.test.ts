import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/lib/server/warehouse/migrate.js';
import { liveTablesOf, renderStatements, splitStatements, tablesOf, type Migration } from '../../src/lib/server/warehouse/render-ddl.js';

const CLUSTER = 'loopmeter';
const ON = `ON CLUSTER '${CLUSTER}'`;
const migrations = loadMigrations();
const tables = tablesOf(migrations);

function migration(file: string, sql: string): Migration {
	return { version: 9999, name: file.replace(/\.sql$/, ''), file, sql, checksum: '' };
}

const CREATE_TABLE = /CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)/i;
const ENGINE = /ENGINE\s*=\s*(\w*MergeTree)\s*(?:\(([^)]*)\))?/i;
const clause = (sql: string, re: RegExp) => re.exec(sql.replace(/--.*$/gm, ''))?.[0].replace(/\s+/g, ' ').trim();
const ORDER_BY_TO_END = /ORDER\s+BY[\s\S]*$/i;
const PARTITION_BY = /PARTITION\s+BY\s+[^\n]+/i;

/** Every CREATE TABLE of the real migration files, with what the cluster rendering must produce for it. */
const created = migrations.flatMap((m) =>
	splitStatements(m.sql).flatMap((s) => {
		const t = CREATE_TABLE.exec(s);
		const e = ENGINE.exec(s);
		if (!t || !e) return [];
		return [{ file: m.file, migration: m, name: t[1]!, engine: e[1]!, args: e[2]?.trim(), source: s }];
	})
);
const renderedAll = migrations.flatMap((m) => renderStatements(m, { cluster: CLUSTER }, tables));

describe('cluster rendering of the real migration files', () => {
	it('finds the tables of the schema (so the checks below check something)', () => {
		expect(created.map((c) => c.name)).toEqual(expect.arrayContaining(['impressions', 'videos', 'generation_jobs', 'gpu_fleet', 'users', 'ad_revenue']));
	});

	it('recognizes every CREATE TABLE (one without IF NOT EXISTS or an engine would silently stay unreplicated)', () => {
		const all = migrations.flatMap((m) => splitStatements(m.sql).filter((s) => /CREATE\s+TABLE\b/i.test(s.replace(/--.*$/gm, ''))));
		expect(created).toHaveLength(all.length);
	});

	it('gives every materialized view a TO table (an inner-engine view would not be replicated)', () => {
		for (const m of migrations)
			for (const s of splitStatements(m.sql).filter((x) => /CREATE\s+MATERIALIZED\s+VIEW/i.test(x)))
				expect(s, m.file).toMatch(/\bTO\s+\w+/i);
	});

	it('no longer keeps the superseded video_signatures table (0067 drops it)', () => {
		expect(tables.has('video_signatures')).toBe(true);
		expect(liveTablesOf(migrations).has('video_signatures')).toBe(false);
		expect(liveTablesOf(migrations).has('video_minhash')).toBe(true);
	});

	it('leaves every statement untouched without a cluster', () => {
		for (const m of migrations) expect(renderStatements(m, {}, tables)).toEqual(splitStatements(m.sql));
	});

	it.each(created)('$file: $name becomes a replicated <name>_local with the same sort key, on the cluster', ({ migration: m, name, engine, args, source }) => {
		const out = renderStatements(m, { cluster: CLUSTER }, tables);
		const local = out.find((s) => new RegExp(`CREATE TABLE IF NOT EXISTS ${name}_local ${ON} `).test(s));
		expect(local, `${name}_local`).toBeDefined();
		const replicatedArgs = [`'/clickhouse/tables/{shard}/{database}/${name}_local'`, `'{replica}'`, ...(args ? [args] : [])].join(', ');
		expect(local).toContain(`ENGINE = Replicated${engine}(${replicatedArgs})`);
		// Sort key, partitioning and table settings are copied verbatim.
		expect(clause(local!, ORDER_BY_TO_END)).toBe(clause(source, ORDER_BY_TO_END));
		expect(clause(local!, PARTITION_BY)).toBe(clause(source, PARTITION_BY));
		// No plain (non-replicated) engine survives on the local table.
		expect(local).not.toMatch(new RegExp(`ENGINE = ${engine}\\b`));
	});

	it.each(created)('$file: $name is a Distributed table over <name>_local, sharded by its @shard_key', ({ migration: m, name, source }) => {
		const key = /--\s*@shard_key\s+(.+)$/m.exec(source)![1]!.trim();
		const out = renderStatements(m, { cluster: CLUSTER }, tables);
		expect(out).toContain(
			`CREATE TABLE IF NOT EXISTS ${name} ${ON} AS ${name}_local ENGINE = Distributed('${CLUSTER}', currentDatabase(), ${name}_local, ${key})`
		);
	});

	it('shards engagement by user, so per-user metrics (sessions, diversity, return rate) never cross shards', () => {
		const impressions = created.find((c) => c.name === 'impressions')!;
		expect(/--\s*@shard_key\s+(.+)$/m.exec(impressions.source)![1]).toMatch(/\buser_id\b/);
		expect(renderedAll.some((s) => /Distributed\('loopmeter', currentDatabase\(\), impressions_local, cityHash64\(user_id\)\)/.test(s))).toBe(true);
	});

	it('puts ON CLUSTER on every DDL statement, including views whose text starts with comments', () => {
		for (const s of renderedAll) if (/^\s*(CREATE|ALTER|DROP|RENAME)\b/im.test(s.replace(/--.*$/gm, ''))) expect(s).toContain(ON);
	});

	it('points every materialized view of the migrations at shard-local tables', () => {
		const mvs = renderedAll.filter((s) => /CREATE\s+MATERIALIZED\s+VIEW/i.test(s));
		for (const mv of mvs) {
			const refs = [...mv.replace(/--.*$/gm, '').matchAll(/\b(?:FROM|JOIN|TO)\s+([A-Za-z_]\w*)/gi)].map((r) => r[1]!);
			for (const ref of refs) expect(tables.has(ref), `${ref} in ${mv.slice(0, 80)}`).toBe(false);
			expect(mv).toContain(ON);
		}
	});
});

describe('cluster rendering rules', () => {
	const fixture = migration(
		'9999_fixture.sql',
		`-- @shard_key cityHash64(user_id)
CREATE TABLE IF NOT EXISTS facts (
	day Date,
	user_id String,
	n UInt64
) ENGINE = MergeTree
ORDER BY (day, user_id);

-- @shard_key cityHash64(user_id)
CREATE TABLE IF NOT EXISTS facts_daily (
	day Date,
	user_id String,
	n UInt64
) ENGINE = SummingMergeTree
ORDER BY (day, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS facts_daily_mv TO facts_daily AS
SELECT day, user_id, sum(n) AS n FROM facts GROUP BY day, user_id;

ALTER TABLE facts ADD COLUMN IF NOT EXISTS country LowCardinality(String) DEFAULT '';

ALTER TABLE facts ADD INDEX IF NOT EXISTS by_country country TYPE set(100) GRANULARITY 4;

-- A plain view reads the Distributed tables, so it needs no rewriting, only ON CLUSTER.
CREATE OR REPLACE VIEW facts_by_day AS SELECT day, sum(n) AS n FROM facts GROUP BY day;

INSERT INTO facts_daily SELECT day, user_id, sum(n) FROM facts GROUP BY day, user_id;`
	);
	const fixtureTables = tablesOf([fixture]);
	const out = renderStatements(fixture, { cluster: CLUSTER }, fixtureTables);

	it('renders an engine without arguments as Replicated with only the Keeper path and replica', () => {
		expect(out[0]).toContain("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/facts_local', '{replica}')");
		expect(out[2]).toContain("ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/facts_daily_local', '{replica}')");
	});

	it('makes a materialized view read and write the shard-local tables', () => {
		const mv = out.find((s) => s.includes('MATERIALIZED VIEW'))!;
		expect(mv).toBe(
			`CREATE MATERIALIZED VIEW IF NOT EXISTS facts_daily_mv ${ON} TO facts_daily_local AS\nSELECT day, user_id, sum(n) AS n FROM facts_local GROUP BY day, user_id`
		);
	});

	it('sends a column change to both the local and the Distributed table, an index only to the local one', () => {
		const alters = out.filter((s) => s.startsWith('ALTER'));
		expect(alters).toEqual([
			`ALTER TABLE facts_local ${ON} ADD COLUMN IF NOT EXISTS country LowCardinality(String) DEFAULT ''`,
			`ALTER TABLE facts ${ON} ADD COLUMN IF NOT EXISTS country LowCardinality(String) DEFAULT ''`,
			`ALTER TABLE facts_local ${ON} ADD INDEX IF NOT EXISTS by_country country TYPE set(100) GRANULARITY 4`
		]);
	});

	it('creates a plain view on every node over the Distributed tables, even when comments precede it', () => {
		expect(out).toContain(`-- A plain view reads the Distributed tables, so it needs no rewriting, only ON CLUSTER.\nCREATE OR REPLACE VIEW facts_by_day ${ON} AS SELECT day, sum(n) AS n FROM facts GROUP BY day`);
	});

	it('runs a backfill INSERT once, through the Distributed tables (which spread rows over the shards)', () => {
		expect(out.at(-1)).toBe('INSERT INTO facts_daily SELECT day, user_id, sum(n) FROM facts GROUP BY day, user_id');
	});

	it('drops a table from every node: the Distributed table, then its local twin', () => {
		const drop = migration('9997_drop.sql', '-- gone\nDROP TABLE IF EXISTS facts;');
		expect(renderStatements(drop, { cluster: CLUSTER }, fixtureTables)).toEqual([
			`-- gone\nDROP TABLE IF EXISTS facts ${ON}`,
			`-- gone\nDROP TABLE IF EXISTS facts_local ${ON}`
		]);
		expect([...liveTablesOf([fixture, drop])]).toEqual(['facts_daily']);
	});

	it('refuses a table without a shard key, naming the file and the table', () => {
		const bad = migration('9998_bad.sql', 'CREATE TABLE IF NOT EXISTS orphan (a UInt8) ENGINE = MergeTree ORDER BY a;');
		expect(() => renderStatements(bad, { cluster: CLUSTER }, tablesOf([bad]))).toThrow(/9998_bad\.sql: table orphan needs a "-- @shard_key/);
	});
});
