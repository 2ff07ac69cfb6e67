import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
import { readConfig, type Config } from '../config.js';
import { acquireLock } from './lock.js';
import { WarehouseUnavailableError, QueryTimeoutError, QueryMemoryError } from './errors.js';
import { migrate } from './migrate.js';
import { recordQuery } from './profile.js';
import { Connections } from './connections.js';
import { QUERY_SIZE_SETTING, setParameters } from './query-params.js';
import type { Params, Warehouse } from './types.js';

export { WarehouseLockedError, readLock, advertiseUrl } from './lock.js';
export { WarehouseUnavailableError, QueryTimeoutError, QueryMemoryError } from './errors.js';

export type { Warehouse, WarehouseMode, Params } from './types.js';
export { QueryParameterError } from './query-params.js';

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
	session?: { close(): void };
	/** See boundedStatementSettings. */
	bounded?: Promise<string>;
	/** The main connection, one statement at a time (commands, inserts). */
	main?: Connections;
	/** The connections query() runs on: see statementConnections. */
	pool?: Connections;
	/** A second embedded connection for plain statements that must not queue behind the main one: see sideQuery. */
	side?: Promise<{ client: ClickHouseClient; connections: Connections }>;
	/** Lanes opened on this warehouse (openLane): closed with it, so the data directory's lock is released. */
	lanes?: Set<ClickHouseClient>;
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
	// Parameters travel as statement text on this connection (query-params.ts).
	await client.command({ query: QUERY_SIZE_SETTING });
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
	await (await side?.catch(() => undefined))?.client.close();
	const pool = slot.pool;
	slot.pool = undefined;
	slot.main = undefined;
	await pool?.close();
	const lanes = [...(slot.lanes ?? [])];
	slot.lanes?.clear();
	await Promise.all(lanes.map((c) => c.close().catch(() => undefined)));
	await wh?.client.close();
	slot.session?.close();
	slot.session = undefined;
	slot.release?.();
	slot.release = undefined;
}

export interface QueryOptions {
	/** Names the query in logs and errors so a slow one can be found. */
	tag: string;
	params?: Params;
	signal?: AbortSignal;
}

/**
 * chDB (3.4) hands the rows a failed query had already produced to the *next*
 * query on the same connection, in front of its own result (measured: after a
 * SELECT stopped by max_execution_time, the next `SELECT 1` on that connection
 * returned the stopped query's partial rows first; another connection's did
 * not). So after every embedded failure a throwaway query takes those rows
 * before the connection is anyone else's (runEmbedded), and no caller ever
 * receives another query's rows.
 */
function drainAfterFailure(client: ClickHouseClient): Promise<void> {
	return client
		.query({ query: 'SELECT 1 AS drained', format: 'JSONEachRow' })
		.then((rs) => rs.json())
		.then(
			() => undefined,
			() => undefined
		);
}

/** The one way to read from the warehouse: values only as typed `{name:Type}` parameters. */
export function query<T>(sql: string, options: QueryOptions): Promise<T[]> {
	return queryOn<T>(undefined, sql, options);
}

/**
 * How many statements query() runs at once on the embedded warehouse: one
 * connection each (LOOPMETER_WAREHOUSE_CONNECTIONS, else the machine's cores,
 * from 2 to 4). Measured on 2 cores with the think-time model, back to back on
 * one warehouse (bench/results.md, 2026-12-08): 1 connection gave default views
 * p95 8.4 s and uncached p95 123 s, 2 gave 3.8 s and 56 s, 3 gave 3.9 s and 69 s
 * with more errors and more memory: past the cores, more statements only share
 * the same CPU with the process serving kept pages.
 */
export function statementConnectionCount(config: Config, cores = availableParallelism()): number {
	return config.LOOPMETER_WAREHOUSE_CONNECTIONS ?? Math.min(4, Math.max(2, cores));
}

/**
 * The connections query() runs on, embedded. chDB runs one connection's
 * statements one at a time, and every statement it binds parameters for one at
 * a time process-wide; ours carry their parameters as the connection's own
 * settings instead (query-params.ts), so statements on different connections
 * run in parallel: one person's wide panel no longer holds everyone's.
 */
function statementConnections(wh: Warehouse): Connections {
	return (slot.pool ??= new Connections(statementConnectionCount(wh.config), () => connectEmbedded(wh.config)));
}

function mainConnection(wh: Warehouse): Connections {
	return (slot.main ??= Connections.of(wh.client));
}

async function queryOn<T>(connections: Connections | undefined, sql: string, { tag, params, signal }: QueryOptions): Promise<T[]> {
	const wh = await getWarehouse();
	const started = performance.now();
	try {
		if (wh.mode === 'server') {
			if (signal?.aborted) throw new QueryAbandonedError(tag);
			return await queryServer<T>(wh, sql, { tag, params, signal });
		}
		// Checked before anything runs: a statement whose parameters cannot be sent never starts.
		const set = setParameters(sql, params, tag);
		return await runEmbedded(connections ?? statementConnections(wh), tag, signal, async (client) => {
			const stoppable = signal ? stopOnAbort(wh, sql, signal) : undefined;
			try {
				if (set) await client.command({ query: set });
				const rs = await client.query({ query: stoppable?.sql ?? sql, format: 'JSONEachRow', abort_signal: signal });
				return await rs.json<T>();
			} finally {
				stoppable?.done();
			}
		});
	} finally {
		recordQuery(tag, performance.now() - started);
	}
}

async function queryServer<T>(wh: Warehouse, sql: string, { tag, params, signal }: QueryOptions): Promise<T[]> {
	try {
		const rs = await wh.client.query({ query: sql, query_params: params, format: 'JSONEachRow', abort_signal: signal, clickhouse_settings: { log_comment: tag } });
		return await rs.json<T>();
	} catch (e) {
		if (signal?.aborted) throw new QueryAbandonedError(tag);
		throw translate(e, tag, wh);
	}
}

/**
 * `work` on one embedded connection held for it alone: not started when the
 * caller has gone while it waited; after a failure the connection is drained
 * before anyone else has it (drainAfterFailure), and the error is ours.
 */
async function runEmbedded<R>(connections: Connections, tag: string, signal: AbortSignal | undefined, work: (client: ClickHouseClient) => Promise<R>): Promise<R> {
	const wh = await getWarehouse();
	// Whoever asked has gone while it waited its turn: never start it.
	if (signal?.aborted) throw new QueryAbandonedError(tag);
	return connections.use(
		async (client) => {
			if (signal?.aborted) throw new QueryAbandonedError(tag);
			try {
				return await work(client);
			} catch (e) {
				await drainAfterFailure(client);
				if (signal?.aborted) throw new QueryAbandonedError(tag);
				throw translate(e, tag, wh);
			}
		},
		signal,
		() => new QueryAbandonedError(tag)
	);
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
 * runs to its end, holding its connection (CHDB-NOTES). The engine does honour
 * `KILL QUERY` from another connection (measured: a 2-billion-row scan stopped
 * within 0.2 s, and the next query ran). So a query whose caller may go away
 * carries a unique marker in its own `log_comment` (a per-query SETTINGS
 * clause, which does not leak to later statements), and on abort a second
 * connection kills the query holding that marker. A marker is never reused, so
 * a late kill cannot stop anything else.
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
		// Straight on the side connection's client, not in its queue: a plain statement,
		// which the parameters a queued statement sets there cannot change.
		await (await sideConnection(wh)).client.command({ query: `KILL QUERY WHERE Settings['log_comment'] = '${marker}' ASYNC` });
	} catch (e) {
		// The query then runs to its end, as before; nothing else is affected.
		console.warn(`[warehouse] could not stop an abandoned query: ${(e as Error).message.split('\n')[0]}`);
	}
}

function sideConnection(wh: Warehouse): Promise<{ client: ClickHouseClient; connections: Connections }> {
	return (slot.side ??= connectEmbedded(wh.config).then(
		(client) => ({ client, connections: Connections.of(client) }),
		(e: unknown) => {
			slot.side = undefined;
			throw e;
		}
	));
}

/**
 * A plain statement (no parameters) that must answer while every statement
 * connection is busy with someone's 10-second panel: a data-version read
 * queued behind one made every cached page wait 10 seconds. Embedded, it runs
 * on a connection of its own; a server answers concurrent requests anyway.
 */
export async function sideQuery<T>(sql: string, options: Omit<QueryOptions, 'params'>): Promise<T[]> {
	const wh = await getWarehouse();
	return queryOn<T>(wh.mode === 'embedded' ? (await sideConnection(wh)).connections : undefined, sql, options);
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

async function commandOn(connections: Connections | undefined, sql: string, { tag, params }: QueryOptions): Promise<void> {
	const wh = await getWarehouse();
	const started = performance.now();
	try {
		if (wh.mode === 'server') {
			await wh.client.command({ query: sql, query_params: params }).catch((e: unknown) => {
				throw translate(e, tag, wh);
			});
			return;
		}
		const set = setParameters(sql, params, tag);
		await runEmbedded(connections ?? mainConnection(wh), tag, undefined, async (client) => {
			if (set) await client.command({ query: set });
			await client.command({ query: sql });
		});
	} finally {
		recordQuery(tag, performance.now() - started);
	}
}

async function insertOn(connections: Connections | undefined, table: string, rows: Record<string, unknown>[], { tag }: Pick<QueryOptions, 'tag'>): Promise<void> {
	const wh = await getWarehouse();
	const started = performance.now();
	const insert = (client: ClickHouseClient) => client.insert({ table, values: rows, format: 'JSONEachRow' }).then(() => undefined);
	try {
		if (wh.mode === 'server')
			await insert(wh.client).catch((e: unknown) => {
				throw translate(e, tag, wh);
			});
		else await runEmbedded(connections ?? mainConnection(wh), tag, undefined, insert);
	} finally {
		recordQuery(tag, performance.now() - started);
	}
}

/**
 * A statement queue of its own on the warehouse, for work that must not wait
 * behind the other queues: ingest commits one group of rows while the next
 * group is parsed; sign-in and health answer while panels run
 * (http/control-lane.ts). Embedded, a lane is one more connection to the same
 * engine, running one statement at a time; parameters travel as that
 * connection's settings (query-params.ts), so a lane's parameterised
 * statements wait for nobody else's either. A server runs concurrent requests
 * anyway: there the lane is the main client.
 */
export interface Lane {
	command(sql: string, options: QueryOptions): Promise<void>;
	query<T>(sql: string, options: QueryOptions): Promise<T[]>;
	/** Rows as JSONEachRow data: the values travel as data, never as SQL text. */
	insert(table: string, rows: Record<string, unknown>[], options: Pick<QueryOptions, 'tag'>): Promise<void>;
	close(): Promise<void>;
}

/** Where a statement runs: the shared connections (`mainStatements`) or a lane. */
export type Statements = Pick<Lane, 'command' | 'query'>;
export const mainStatements: Statements = { command, query };

export async function openLane(): Promise<Lane> {
	const wh = await getWarehouse();
	let client: ClickHouseClient | undefined;
	if (wh.mode === 'embedded') client = await connectEmbedded(wh.config);
	if (client) (slot.lanes ??= new Set()).add(client);
	const connections = client ? Connections.of(client) : undefined;
	return {
		command: (sql, options) => commandOn(connections, sql, options),
		query: <T>(sql: string, options: QueryOptions) => queryOn<T>(connections, sql, options),
		insert: (table, rows, options) => insertOn(connections, table, rows, options),
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
