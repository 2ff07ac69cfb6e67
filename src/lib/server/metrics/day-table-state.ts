import { command, query } from '../warehouse/index.js';
import { createTable, dropTable, insertInto, swapIn, syncReplicas, type Placement } from './day-table-ddl.js';
import { metricSql } from './sql-files.js';

/**
 * The history the novelty day table needs: each user's first impression of
 * each creator over all time (sql/metrics/day_state_first_creator.sql). Grouping
 * all impressions for it after every ingest took most of the day tables'
 * rebuild and did not fit the embedded memory cap at 100 M impressions; kept
 * here, an ingest only groups its own new impressions and keeps the earlier of
 * the two firsts per pair.
 *
 * A ReplacingMergeTree keyed by (user, creator): the newest version of a pair
 * is its first impression; readers use FINAL, and ClickHouse applies a WHERE
 * after FINAL's merge (optimize_move_to_prewhere_if_final is off by default),
 * so a filter on first_ts never sees an outdated version.
 */
export const FIRST_CREATOR_TABLE = 'day_state_first_creator';
export const FIRST_CREATOR_SQL = 'day_state_first_creator';

const sql = () => metricSql(FIRST_CREATOR_SQL);

async function createEmpty(p: Placement, table: string): Promise<void> {
	await dropTable(p, table);
	await createTable(p, table, `SELECT *, toUInt64(0) AS version FROM (\n${sql()}\n)`, { after: {} }, {
		name: 'ReplacingMergeTree',
		args: 'version',
		clauses: 'ORDER BY (user_id, creator_id)'
	});
}

/** Computes every pair's first impression from all impressions, into a fresh table swapped in whole. */
export async function rebuildFirstCreators(p: Placement, version: number): Promise<void> {
	const next = `${FIRST_CREATOR_TABLE}_next`;
	await createEmpty(p, next);
	// The grouping spills to disk past the session's max_bytes_before_external_group_by (warehouse/index.ts).
	await command(`${insertInto(p, next)} SELECT *, {version:UInt64} AS version FROM (\n${sql()}\n) SETTINGS max_execution_time = 0`, {
		tag: 'day-tables:state:build',
		params: { after: {}, version }
	});
	const exists = await query<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`, {
		tag: 'day-tables:state:exists',
		params: { name: FIRST_CREATOR_TABLE }
	});
	// On a cluster, read back through any replica: every one holds the rows first.
	await syncReplicas(p, [next]);
	await swapIn(p, next, FIRST_CREATOR_TABLE, Number(exists[0]?.n) > 0);
}

/**
 * Adds the impressions inserted after `after` (the impressions watermark the
 * state was kept to): a pair's first changes where a new impression is earlier.
 * Returns the days of the first impressions that lost that place, sorted: the
 * novelty rows of those days change too.
 */
export async function addFirstCreators(p: Placement, after: Record<string, number>, version: number): Promise<string[]> {
	const delta = `${FIRST_CREATOR_TABLE}_delta`;
	const params = { after, version };
	await dropTable(p, delta);
	await createTable(p, delta, `SELECT *, first_ts AS old_ts, true AS had_old FROM (\n${sql()}\n)`, params, { name: 'MergeTree', clauses: 'ORDER BY tuple()' });
	try {
		await command(
			`${insertInto(p, delta)}
			SELECT c.user_id, c.creator_id, c.first_ts, c.first_id, o.first_ts AS old_ts, o.found AS had_old
			FROM (\n${sql()}\n) AS c
			LEFT JOIN (
				SELECT user_id, creator_id, first_ts, first_id, true AS found
				FROM ${FIRST_CREATOR_TABLE} FINAL
				WHERE (user_id, creator_id) IN (SELECT user_id, creator_id FROM (\n${sql()}\n))
			) AS o ON o.user_id = c.user_id AND o.creator_id = c.creator_id
			WHERE NOT o.found OR (c.first_ts, c.first_id) < (o.first_ts, o.first_id)
			SETTINGS max_execution_time = 0`,
			{ tag: 'day-tables:state:delta', params }
		);
		await syncReplicas(p, [delta]);
		const displaced = await query<{ day: string }>(`SELECT DISTINCT toString(toDate(old_ts)) AS day FROM ${delta} WHERE had_old ORDER BY day`, {
			tag: 'day-tables:state:displaced'
		});
		await command(`${insertInto(p, FIRST_CREATOR_TABLE)} SELECT user_id, creator_id, first_ts, first_id, {version:UInt64} AS version FROM ${delta}`, {
			tag: 'day-tables:state:add',
			params
		});
		await syncReplicas(p, [FIRST_CREATOR_TABLE]);
		return displaced.map((d) => d.day);
	} finally {
		await dropTable(p, delta);
	}
}
