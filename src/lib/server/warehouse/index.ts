import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
import { readConfig, type Config } from '../config.js';
import { acquireLock } from './lock.js';
import { WarehouseUnavailableError, QueryTimeoutError, QueryMemoryError } from './errors.js';
import { migrate } from './migrate.js';
import { recordQuery } from './profile.js';
import type { Warehouse } from './types.js';

export { WarehouseLockedError, readLock, advertiseUrl } from './lock.js';
export { WarehouseUnavailableError, QueryTimeoutError, QueryMemoryError } from './errors.js';

export type { Warehouse, WarehouseMode } from './types.js';

export interface OpenOptions {
	/** Who holds the embedded directory, shown to a second process that is refused. */
	role?: string;
	/** Apply pending migrations on open (default true). */
	migrate?: boolean;
	config?: Config;
}

// Process-wide: a dev-server reload re-evaluates modules, but must not open the
// embedded directory a second time (chDB binds one data path per process).
const KEY = Symbol.for('loopmeter.warehouse');
type Slot = {
	pending?: Promise<Warehouse>;
	release?: () => void;
	draining?: Promise<void>;
	session?: { close(): void };
	/** See boundedStatementSettings. */
	bounded?: Promise<string>;
	/** A second embedded connection for plain statements that must not queue behind the main one: see sideQuery. */
	side?: Promise<ClickHouseClient>;
	/** Lanes opened on this warehouse (openLane): closed with it, so the data directory's lock is released. */
	lanes?: Set<ClickHouseClient>;
	/** See holdParameterisedStatements. */
	paramsHeld?: Promise<void>;
	paramsInFlight?: number;
	onParamsIdle?: () => void;
};
const slot: Slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= {}) as Slot;

export function getWarehouse(options: OpenOptions = {}): Promise<Warehouse> {
	slot.pending ??= open(options).catch((e) => {
		slot.pending = undefined;
		throw e;
	});
	return slot.pending;
}

export function isOpen(): boolean {
	return slot.pending !== undefined;
}

async function open(options: OpenOptions): Promise<Warehouse> {
	const config = options.config ?? readConfig();
	const wh = config.CLICKHOUSE_URL ? await openServer(config) : await openEmbedded(config, options.role ?? 'loopmeter');
	if (options.migrate !== false) await migrate(wh);
	return wh;
}

async function openEmbedded(config: Config, role: string): Promise<Warehouse> {
	slot.release = acquireLock(config.dataDir, `${role}, pid ${process.pid}`);
	let client: ClickHouseClient;
	try {
		// The memory cap is server configuration, not a setting: chDB takes it only
		// as an argument of the first connection to the path, so a session carrying
		// it opens first and stays open (later connections share its engine).
		if (config.LOOPMETER_WAREHOUSE_MEMORY_MB > 0) {
			const { Session } = await import('chdb');
			slot.session = new Session(config.dataDir, { connectionArgs: [`--max_server_memory_usage=${config.LOOPMETER_WAREHOUSE_MEMORY_MB * 2 ** 20}`] });
		}
		client = await connectEmbedded(config);
	} catch (e) {
		slot.session?.close();
		slot.session = undefined;
		slot.release();
		throw new WarehouseUnavailableError(
			`Could not open the embedded warehouse at ${config.dataDir}: ${(e as Error).message}`,
			{ cause: e }
		);
	}
	process.once('exit', () => slot.release?.());
	return { client, mode: 'embedded', dataDir: config.dataDir, config };
}

/** A connection to the embedded engine of `config.dataDir`, with the session settings every query of ours runs under. */
async function connectEmbedded(config: Config): Promise<ClickHouseClient> {
	// Imported here, not at module top: loading the 500 MB native library while
	// `vite build` analyses server modules crashes the build.
	const { createChdbConnection } = await import('chdb/connection');
	// chdb bundles its own copy of @clickhouse/client's types; the shapes match, the identities don't.
	const connection = createChdbConnection({ path: config.dataDir }) as unknown as Connection;
	const client = createClient({ connection });
	// chDB runs an aborted query to completion and blocks the next one meanwhile,
	// so the timeout must be enforced by the engine.
	await client.command({ query: `SET max_execution_time = ${Math.ceil(config.LOOPMETER_QUERY_TIMEOUT_MS / 1000)}` });
	if (config.LOOPMETER_WAREHOUSE_MEMORY_MB > 0) {
		// Under the cap, large GROUP BYs, sorts and joins spill to disk instead of
		// failing. chDB does not derive these from max_server_memory_usage (the
		// ratio settings did not spill under a 256 MiB cap), so they are set from
		// it: an eighth of the cap per operator, as a query such as the Slop Index
		// holds a dozen aggregations at once.
		await client.command({ query: `SET ${spillSettings(config)}` });
	}
	return client;
}

/** The spill settings of connectEmbedded, as a settings list (also appended to streamed statements, whose connection is not made there). */
export function spillSettings(config: Config): string {
	if (config.LOOPMETER_WAREHOUSE_MEMORY_MB <= 0) return '';
	const spill = Math.floor((config.LOOPMETER_WAREHOUSE_MEMORY_MB * 2 ** 20) / 8);
	return `max_bytes_before_external_group_by = ${spill}, max_bytes_before_external_sort = ${spill}, max_bytes_before_external_join = ${spill}`;
}

async function openServer(config: Config): Promise<Warehouse> {
	const base = {
		url: config.CLICKHOUSE_URL,
		username: config.CLICKHOUSE_USER,
		password: config.CLICKHOUSE_PASSWORD,
		request_timeout: config.LOOPMETER_QUERY_TIMEOUT_MS + 5_000,
		clickhouse_settings: {
			max_execution_time: Math.ceil(config.LOOPMETER_QUERY_TIMEOUT_MS / 1000),
			// A reader who goes away (request.signal aborts the HTTP call) stops the query on the server too.
			cancel_http_readonly_queries_on_client_close: 1 as const,
			// Metric SQL joins fact tables; on a cluster those are Distributed and
			// the right side must be broadcast for the same SQL to stay correct.
			...(config.CLICKHOUSE_CLUSTER ? { distributed_product_mode: 'global' as const } : {})
		}
	};
	const bootstrap = createClient(base);
	try {
		const onCluster = config.CLICKHOUSE_CLUSTER ? ` ON CLUSTER '${config.CLICKHOUSE_CLUSTER}'` : '';
		await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.CLICKHOUSE_DATABASE}${onCluster}` });
	} catch (e) {
		throw new WarehouseUnavailableError(`ClickHouse at ${config.CLICKHOUSE_URL} is unreachable: ${(e as Error).message}`, { cause: e });
	} finally {
		await bootstrap.close();
	}
	const client = createClient({ ...base, database: config.CLICKHOUSE_DATABASE });
	return { client, mode: 'server', cluster: config.CLICKHOUSE_CLUSTER, config };
}

export async function closeWarehouse(): Promise<void> {
	const pending = slot.pending;
	slot.pending = undefined;
	// The next warehouse may be another server.
	slot.bounded = undefined;
	if (!pending) return;
	const wh = await pending.catch(() => undefined);
	const side = slot.side;
	slot.side = undefined;
	await (await side?.catch(() => undefined))?.close();
	const lanes = [...(slot.lanes ?? [])];
	slot.lanes?.clear();
	await Promise.all(lanes.map((c) => c.close().catch(() => undefined)));
	await wh?.client.close();
	slot.session?.close();
	slot.session = undefined;
	slot.release?.();
	slot.release = undefined;
}

export type Params = Record<string, unknown>;

export interface QueryOptions {
	/** Names the query in logs and errors so a slow one can be found. */
	tag: string;
	params?: Params;
	signal?: AbortSignal;
}

/**
 * chDB (3.4) hands the rows a failed query had already produced to the *next*
 * query of the process, in front of its own result (measured: after a SELECT
 * stopped by max_execution_time, the next `SELECT 1` returned the stopped
 * query's partial rows first). After every embedded failure a throwaway query
 * takes those rows, and every query waits for it, so no caller ever receives
 * another query's rows.
 */
function drainAfterFailure(wh: Warehouse): void {
	if (wh.mode !== 'embedded' || slot.draining) return;
	slot.draining = wh.client
		.query({ query: 'SELECT 1 AS drained', format: 'JSONEachRow' })
		.then((rs) => rs.json())
		.then(
			() => undefined,
			() => undefined
		)
		.finally(() => {
			slot.draining = undefined;
		});
}

/** The one way to read from the warehouse: values only as typed `{name:Type}` parameters. */
export function query<T>(sql: string, options: QueryOptions): Promise<T[]> {
	return queryOn<T>(undefined, sql, options);
}

async function queryOn<T>(client: ClickHouseClient | undefined, sql: string, { tag, params, signal }: QueryOptions): Promise<T[]> {
	const wh = await getWarehouse();
	while (slot.draining) await slot.draining;
	// Whoever asked has gone while it waited its turn: never start it.
	if (signal?.aborted) throw new QueryAbandonedError(tag);
	const stoppable = signal && wh.mode === 'embedded' ? stopOnAbort(wh, sql, signal) : undefined;
	const started = performance.now();
	try {
		return await parameterised(params, async () => {
			const rs = await (client ?? wh.client).query({
				query: stoppable?.sql ?? sql,
				query_params: params,
				format: 'JSONEachRow',
				abort_signal: signal,
				...(wh.mode === 'server' ? { clickhouse_settings: { log_comment: tag } } : {})
			});
			return await rs.json<T>();
		});
	} catch (e) {
		drainAfterFailure(wh);
		if (signal?.aborted) throw new QueryAbandonedError(tag);
		throw translate(e, tag, wh);
	} finally {
		stoppable?.done();
		recordQuery(tag, performance.now() - started);
	}
}

/**
 * chDB binds a statement's `{name:Type}` parameters in state that is not
 * isolated per connection: two parameterised statements running at once
 * clobber each other (wrong values, or the engine aborts the process). Its
 * client library therefore runs them one at a time process-wide, but a
 * streamed read (warehouse/stream.ts) binds its parameters outside that
 * queue. So every parameterised statement of ours is counted from its start to
 * its answer, and a stream starts only while none is (holdParameterisedStatements).
 */
async function parameterised<T>(params: Params | undefined, run: () => Promise<T>): Promise<T> {
	if (!params || Object.keys(params).length === 0) return run();
	while (slot.paramsHeld) await slot.paramsHeld;
	slot.paramsInFlight = (slot.paramsInFlight ?? 0) + 1;
	try {
		return await run();
	} finally {
		slot.paramsInFlight -= 1;
		if (slot.paramsInFlight === 0) slot.onParamsIdle?.();
	}
}

/**
 * Waits until no parameterised statement of ours is running and keeps new ones
 * from starting until `release` is called: for the moment a streamed read binds
 * its parameters. One holder at a time.
 */
export async function holdParameterisedStatements(): Promise<() => void> {
	while (slot.paramsHeld) await slot.paramsHeld;
	let release!: () => void;
	slot.paramsHeld = new Promise<void>((r) => (release = r));
	while ((slot.paramsInFlight ?? 0) > 0) await new Promise<void>((r) => (slot.onParamsIdle = r));
	return () => {
		slot.onParamsIdle = undefined;
		slot.paramsHeld = undefined;
		release();
	};
}

/** The caller's signal aborted (the person's browser went away): the query was not started, or was stopped. */
export class QueryAbandonedError extends Error {
	constructor(readonly tag: string) {
		super(`[${tag}] abandoned: nobody waits for the answer any more`);
		this.name = 'QueryAbandonedError';
	}
}

const MARKER = /^lm-[0-9a-f-]{36}$/;
/** A SELECT without a SETTINGS clause of its own at the end: one may be appended. */
const MARKABLE = /^\s*(?:SELECT|WITH)\b/i;
const TRAILING_SETTINGS = /\bSETTINGS\b[^()]*$/i;

/**
 * chDB cannot interrupt a running statement through its API: an aborted query
 * runs to its end, and every parameterised query waits behind it (CHDB-NOTES).
 * The engine does honour `KILL QUERY` from another connection (measured: a
 * 2-billion-row scan stopped within 0.2 s, and the next query ran). So a query
 * whose caller may go away carries a unique marker in its own `log_comment`
 * (a per-query SETTINGS clause, which does not leak to later statements), and
 * on abort a second connection kills the query holding that marker. A marker
 * is never reused, so a late kill cannot stop anything else.
 */
function stopOnAbort(wh: Warehouse, sql: string, signal: AbortSignal): { sql: string; done: () => void } | undefined {
	const body = sql.trimEnd().replace(/;$/, '');
	if (!MARKABLE.test(body) || TRAILING_SETTINGS.test(body)) return undefined;
	const marker = `lm-${randomUUID()}`;
	const kill = () => void killMarked(wh, marker);
	signal.addEventListener('abort', kill, { once: true });
	return { sql: `${body}\nSETTINGS log_comment = '${marker}'`, done: () => signal.removeEventListener('abort', kill) };
}

async function killMarked(wh: Warehouse, marker: string): Promise<void> {
	if (!MARKER.test(marker)) return;
	try {
		// A plain statement: with a parameter it would queue behind the very query it must stop.
		await (await sideConnection(wh)).command({ query: `KILL QUERY WHERE Settings['log_comment'] = '${marker}' ASYNC` });
	} catch (e) {
		// The query then runs to its end, as before; nothing else is affected.
		console.warn(`[warehouse] could not stop an abandoned query: ${(e as Error).message.split('\n')[0]}`);
	}
}

function sideConnection(wh: Warehouse): Promise<ClickHouseClient> {
	return (slot.side ??= connectEmbedded(wh.config).catch((e: unknown) => {
		slot.side = undefined;
		throw e;
	}));
}

/**
 * A plain statement (no parameters) that must answer while the main connection
 * is busy: the embedded engine runs one connection's statements one at a time,
 * so a data-version read queued behind someone's 10-second panel made every
 * cached page wait 10 seconds. Embedded, it runs on a second connection
 * (parameterised statements would still wait: chDB runs them one at a time
 * process-wide); a server answers concurrent requests anyway.
 */
export async function sideQuery<T>(sql: string, options: Omit<QueryOptions, 'params'>): Promise<T[]> {
	const wh = await getWarehouse();
	return queryOn<T>(wh.mode === 'embedded' ? await sideConnection(wh) : undefined, sql, options);
}

/**
 * SQL settings (for a SETTINGS clause) that let a statement whose memory is
 * bounded by its own input, such as one ingest chunk, run on every core.
 * ClickHouse gives a query one thread per GiB of free server memory
 * (max_threads_min_free_memory_per_thread, default 1 GiB), so under the
 * embedded warehouse's default cap of 1.25 GiB every query ran on one core
 * whatever max_threads said (measured: parsing 1 M NDJSON lines 3.0 s → 1.75 s
 * with this). Panels keep the default: their memory grows with the data.
 * Empty where the server predates the setting.
 */
export function boundedStatementSettings(): Promise<string> {
	return (slot.bounded ??= query<{ n: number }>(`SELECT count() AS n FROM system.settings WHERE name = 'max_threads_min_free_memory_per_thread'`, {
		tag: 'warehouse.settings'
	}).then(
		([r]) => (Number(r?.n) > 0 ? `max_threads_min_free_memory_per_thread = ${BOUNDED_STATEMENT_MEMORY_PER_THREAD}` : ''),
		(e) => {
			slot.bounded = undefined;
			throw e;
		}
	));
}

/** Free memory a bounded statement needs per extra thread: below it (a nearly full cap) ClickHouse still falls back to fewer threads. */
const BOUNDED_STATEMENT_MEMORY_PER_THREAD = 256 * 2 ** 20;

/** DDL and other statements without a result. */
export function command(sql: string, options: QueryOptions): Promise<void> {
	return commandOn(undefined, sql, options);
}

async function commandOn(client: ClickHouseClient | undefined, sql: string, { tag, params }: QueryOptions): Promise<void> {
	const wh = await getWarehouse();
	while (slot.draining) await slot.draining;
	const started = performance.now();
	try {
		await parameterised(params, () => (client ?? wh.client).command({ query: sql, query_params: params }));
	} catch (e) {
		drainAfterFailure(wh);
		throw translate(e, tag, wh);
	} finally {
		recordQuery(tag, performance.now() - started);
	}
}

async function insertOn(client: ClickHouseClient | undefined, table: string, rows: Record<string, unknown>[], { tag }: Pick<QueryOptions, 'tag'>): Promise<void> {
	const wh = await getWarehouse();
	while (slot.draining) await slot.draining;
	const started = performance.now();
	try {
		await (client ?? wh.client).insert({ table, values: rows, format: 'JSONEachRow' });
	} catch (e) {
		drainAfterFailure(wh);
		throw translate(e, tag, wh);
	} finally {
		recordQuery(tag, performance.now() - started);
	}
}

/**
 * A second statement queue on the warehouse, for work that may run while the
 * main queue works: ingest commits one group of rows while the next group is
 * parsed. chDB runs one connection's statements one at a time, and every
 * statement with query_params one at a time process-wide (a lock inside chDB), so an
 * embedded lane is a second connection to the same engine and its statements
 * must be plain SQL (with parameters they would still be right, but wait for
 * the main queue). A server runs concurrent requests anyway: there the lane
 * is the main client.
 */
export interface Lane {
	command(sql: string, options: QueryOptions): Promise<void>;
	query<T>(sql: string, options: QueryOptions): Promise<T[]>;
	/**
	 * Rows as JSONEachRow data: no query parameters, so an embedded lane does not
	 * wait behind the process-wide lock of parameterised statements (the values
	 * travel as data, never as SQL text).
	 */
	insert(table: string, rows: Record<string, unknown>[], options: Pick<QueryOptions, 'tag'>): Promise<void>;
	close(): Promise<void>;
}

/** Where a statement runs: the main connection's queue (`mainStatements`) or a lane. */
export type Statements = Pick<Lane, 'command' | 'query'>;
export const mainStatements: Statements = { command, query };

export async function openLane(): Promise<Lane> {
	const wh = await getWarehouse();
	let client: ClickHouseClient | undefined;
	if (wh.mode === 'embedded') client = await connectEmbedded(wh.config);
	if (client) (slot.lanes ??= new Set()).add(client);
	return {
		command: (sql, options) => commandOn(client, sql, options),
		query: <T>(sql: string, options: QueryOptions) => queryOn<T>(client, sql, options),
		insert: (table, rows, options) => insertOn(client, table, rows, options),
		close: async () => {
			if (client) slot.lanes?.delete(client);
			await client?.close();
		}
	};
}

/**
 * The warehouse's disk is full (ClickHouse NOT_ENOUGH_SPACE, or ENOSPC): the
 * statement wrote nothing; what was committed before is intact.
 */
export class WarehouseDiskFullError extends WarehouseUnavailableError {
	constructor(where: string, options?: { cause?: unknown }) {
		super(`The warehouse disk${where ? ` at ${where}` : ''} is full: nothing was written by this operation and data already stored is intact. Free disk space (or move LOOPMETER_DATA) and retry.`, options);
		this.name = 'WarehouseDiskFullError';
	}
}

/** A driver error as ours: disk full, timeout, memory, unreachable; else the error with its tag. */
export function translate(e: unknown, tag: string, wh: Warehouse): unknown {
	const err = e as Error & { code?: string };
	if (err?.code === '243' || err?.code === 'ENOSPC' || /NOT_ENOUGH_SPACE|No space left on device/i.test(err?.message ?? '')) {
		return new WarehouseDiskFullError(wh.dataDir ?? '', { cause: e });
	}
	if (err?.code === '159' || /Timeout exceeded/.test(err?.message ?? '')) {
		return new QueryTimeoutError(tag, wh.config.LOOPMETER_QUERY_TIMEOUT_MS);
	}
	if (err?.code === '241' || /MEMORY_LIMIT_EXCEEDED|memory limit exceeded/i.test(err?.message ?? '')) {
		return new QueryMemoryError(tag, wh.mode === 'embedded' && wh.config.LOOPMETER_WAREHOUSE_MEMORY_MB > 0 ? wh.config.LOOPMETER_WAREHOUSE_MEMORY_MB : undefined, { cause: e });
	}
	if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|socket hang up/.test(err?.message ?? '')) {
		return new WarehouseUnavailableError(`The warehouse is unreachable (${err.message})`, { cause: e });
	}
	if (err instanceof Error) err.message = `[${tag}] ${err.message}`;
	return e;
}
