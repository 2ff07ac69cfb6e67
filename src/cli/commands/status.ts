import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { lastRunPerSource, type RunRow } from '../../lib/server/ingest-runs/index.js';
import { dayTablesStatus } from '../../lib/server/metrics/day-tables.js';
import { LAST_DAY } from '../../lib/server/metrics/day-table-validity.js';
import { getWarehouse, query } from '../../lib/server/warehouse/index.js';
import { parse, type Command } from '../command.js';

interface TableCount {
	table: string;
	rows: number;
}

/** Bytes under a directory (the embedded warehouse's on-disk size), without following links. */
function du(dir: string): number {
	let total = 0;
	let entries;
	try {
		entries = readdirSync(dir, { withFileTypes: true });
	} catch {
		return 0;
	}
	for (const e of entries) {
		const p = join(dir, e.name);
		if (e.isDirectory()) total += du(p);
		else if (e.isFile()) total += lstatSync(p).size;
	}
	return total;
}

const human = (b: number) =>
	b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`;
const int = (n: number) => n.toLocaleString('en-US');

export async function warehouseStatus() {
	const wh = await getWarehouse({ role: 'loopmeter status' });
	// Row counts from table metadata (exact for MergeTree, no scan); Distributed tables have none, so count them.
	const tables = await query<{ name: string; engine: string; rows: string | null }>(
		`SELECT name, engine, toString(total_rows) AS rows FROM system.tables
		 WHERE database = currentDatabase() AND NOT is_temporary AND engine NOT IN ('View', 'MaterializedView', 'Memory')
		   AND name NOT LIKE '%\\_local' AND name NOT LIKE '.inner%'
		 ORDER BY name`,
		{ tag: 'status.tables' }
	);
	const counts: TableCount[] = [];
	for (const t of tables) {
		let rows = t.rows === null ? NaN : Number(t.rows);
		if (Number.isNaN(rows)) {
			const [c] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${t.name}`, { tag: 'status.count' });
			rows = Number(c?.n ?? 0);
		}
		counts.push({ table: t.name, rows });
	}
	let mode: string = wh.mode;
	let bytes: number;
	if (wh.mode === 'embedded') bytes = du(wh.dataDir!);
	else {
		if (wh.cluster) mode = `cluster (${wh.cluster})`;
		const [p] = await query<{ b: string }>(
			`SELECT toString(sum(bytes_on_disk)) AS b FROM system.parts WHERE database = currentDatabase() AND active`,
			{ tag: 'status.size' }
		);
		bytes = Number(p?.b ?? 0);
	}
	const where = wh.mode === 'embedded' ? wh.dataDir! : wh.config.CLICKHOUSE_URL!;
	return { mode, where, bytes, tables: counts, lastRuns: await lastRunPerSource(), dayTables: await dayTablesStatus() };
}

function describeRun(r: RunRow): string {
	const when = r.finished_at ?? r.started_at;
	return `${r.source.padEnd(16)} ${r.outcome.padEnd(9)} ${when} UTC  ${int(r.rows_loaded)} loaded, ${int(r.rows_rejected)} rejected of ${int(r.rows_read)}  ${r.file}${r.message ? `  (${r.message})` : ''}`;
}

const command: Command = {
	name: 'status',
	summary: 'warehouse mode and size, rows per table, last ingest per source',
	help: `loopmeter status [--json]

Shows where the warehouse is (embedded data directory, ClickHouse server or
cluster) and its size on disk, the row count of every table, and the last
ingest run of each source with its outcome, and whether each day table (a
metric base file computed after ingest) matches the data.`,
	async run(argv) {
		const { values } = parse(argv, { json: { type: 'boolean' } }, false);
		const s = await warehouseStatus();
		if (values.json) {
			process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
			return 0;
		}
		const lines = [`Warehouse: ${s.mode} at ${s.where}, ${human(s.bytes)} on disk`, '', 'Rows per table (stored; replaced versions count until a merge):'];
		const width = Math.max(...s.tables.map((t) => t.table.length), 5);
		for (const t of s.tables) lines.push(`  ${t.table.padEnd(width)} ${int(t.rows).padStart(14)}`);
		lines.push('', 'Last ingest per source:');
		if (!s.lastRuns.length) lines.push('  none yet — load files with `loopmeter ingest <source> <file>` or `loopmeter demo`');
		for (const r of s.lastRuns) lines.push(`  ${describeRun(r)}`);
		if (s.dayTables.length) {
			const stale = s.dayTables.filter((d) => !d.current).length;
			lines.push(
				'',
				stale
					? `Day tables: ${stale} of ${s.dayTables.length} do not match the data on some days; panels reading those days compute from the raw tables until \`loopmeter serve\` rebuilds them:`
					: 'Day tables (all match the data):'
			);
			for (const d of s.dayTables) {
				lines.push(`  day_${d.source.padEnd(32)} ${d.current ? 'current' : 'stale  '}  ${d.built_at ? `built ${d.built_at} UTC in ${d.seconds.toFixed(1)} s, ${int(d.rows)} rows` : 'never built'}`);
				if (!d.current) lines.push(`    stale: ${d.stale_days ? d.stale_days.map(([a, b]) => (a === b ? a : b === LAST_DAY ? `${a} and later` : `${a}…${b}`)).join(', ') : 'every day'}`);
			}
		}
		process.stdout.write(`${lines.join('\n')}\n`);
		return 0;
	}
};
export default command;
