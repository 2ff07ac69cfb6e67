import { command, query } from '../warehouse/index.js';
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

async function createEmpty(table: string): Promise<void> {
	await command(`DROP TABLE IF EXISTS ${table}`, { tag: 'day-tables:state:drop' });
	await command(
		`CREATE TABLE ${table} ENGINE = ReplacingMergeTree(version) ORDER BY (user_id, creator_id)
		EMPTY AS SELECT *, toUInt64(0) AS version FROM (\n${sql()}\n)`,
		{ tag: 'day-tables:state:create', params: { after: {} } }
	);
}

/** Computes every pair's first impression from all impressions, into a fresh table swapped in whole. */
export async function rebuildFirstCreators(version: number): Promise<void> {
	const next = `${FIRST_CREATOR_TABLE}_next`;
	await createEmpty(next);
	// The grouping spills to disk past the session's max_bytes_before_external_group_by (warehouse/index.ts).
	await command(`INSERT INTO ${next} SELECT *, {version:UInt64} AS version FROM (\n${sql()}\n) SETTINGS max_execution_time = 0`, {
		tag: 'day-tables:state:build',
		params: { after: {}, version }
	});
	const exists = await query<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`, {
		tag: 'day-tables:state:exists',
		params: { name: FIRST_CREATOR_TABLE }
	});
	if (Number(exists[0]?.n)) await command(`EXCHANGE TABLES ${next} AND ${FIRST_CREATOR_TABLE}`, { tag: 'day-tables:state:swap' });
	else await command(`RENAME TABLE ${next} TO ${FIRST_CREATOR_TABLE}`, { tag: 'day-tables:state:swap' });
	await command(`DROP TABLE IF EXISTS ${next}`, { tag: 'day-tables:state:drop' });
}

/**
 * Adds the impressions inserted after `after` (the impressions watermark the
 * state was kept to): a pair's first changes where a new impression is earlier.
 * Returns the days of the first impressions that lost that place, sorted: the
 * novelty rows of those days change too.
 */
export async function addFirstCreators(after: Record<string, number>, version: number): Promise<string[]> {
	const delta = `${FIRST_CREATOR_TABLE}_delta`;
	const params = { after, version };
	await command(`DROP TABLE IF EXISTS ${delta}`, { tag: 'day-tables:state:drop' });
	await command(
		`CREATE TABLE ${delta} ENGINE = MergeTree ORDER BY tuple()
		EMPTY AS SELECT *, first_ts AS old_ts, true AS had_old FROM (\n${sql()}\n)`,
		{ tag: 'day-tables:state:create', params }
	);
	try {
		await command(
			`INSERT INTO ${delta}
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
		const displaced = await query<{ day: string }>(`SELECT DISTINCT toString(toDate(old_ts)) AS day FROM ${delta} WHERE had_old ORDER BY day`, {
			tag: 'day-tables:state:displaced'
		});
		await command(`INSERT INTO ${FIRST_CREATOR_TABLE} SELECT user_id, creator_id, first_ts, first_id, {version:UInt64} AS version FROM ${delta}`, {
			tag: 'day-tables:state:add',
			params
		});
		return displaced.map((d) => d.day);
	} finally {
		await command(`DROP TABLE IF EXISTS ${delta}`, { tag: 'day-tables:state:drop' });
	}
}
