import { getWarehouse, query, QueryAbandonedError, spillSettings, translate, type Params } from './index.js';
import { recordQuery } from './profile.js';
import { QUERY_SIZE_SETTING, setParameters } from './query-params.js';
import type { Warehouse } from './types.js';

/**
 * Rows per chunk of a streamed read (the engine's `max_block_size` for the
 * statement): what the process holds of a result at a time, whatever its size.
 */
export const STREAM_BLOCK_ROWS = 4_096;

/**
 * Wall-clock limit of a streamed read. The engine counts the time its reader
 * spends not reading (measured: a stream paused for 3 s hit a 2 s
 * max_execution_time), so a download over a slow line needs longer than the
 * 30 s of a page's query; past this the download is cut and ends in an error.
 */
export const STREAM_TIMEOUT_S = 600;

export interface StreamQueryOptions {
	/** Names the statement in logs and errors. */
	tag: string;
	params?: Params;
	/** Whoever reads has gone (request.signal): the statement stops and the stream ends with QueryAbandonedError. */
	signal?: AbortSignal;
}

/**
 * The one way to read a large result from the warehouse: rows in chunks of at
 * most STREAM_BLOCK_ROWS, produced by the engine as the reader asks for them
 * (a reader that does not read holds the statement where it is). One
 * statement, so every chunk comes from the same snapshot of the data: a part
 * an ingest commits meanwhile is not seen half-way. Values only as typed
 * `{name:Type}` parameters, as in query().
 *
 * Embedded, it runs on a chDB session of its own (chDB streams one statement per
 * connection, and `@clickhouse/client`'s chDB connection buffers whole results);
 * against a server, it is `@clickhouse/client`'s `ResultSet.stream()`.
 * Breaking out of the loop, an error or the signal stops the statement.
 */
export async function* streamQuery<T>(sql: string, options: StreamQueryOptions): AsyncGenerator<T[], void, undefined> {
	const wh = await getWarehouse();
	if (options.signal?.aborted) throw new QueryAbandonedError(options.tag);
	const started = performance.now();
	try {
		if (wh.mode === 'embedded') yield* streamEmbedded<T>(wh, withStreamSettings(sql, wh), options);
		else yield* streamServer<T>(wh, withStreamSettings(sql, wh), options);
	} catch (e) {
		if (options.signal?.aborted) throw new QueryAbandonedError(options.tag);
		throw translate(e, options.tag, wh);
	} finally {
		recordQuery(options.tag, performance.now() - started);
	}
}

/** A SETTINGS clause of the statement's own, which does not outlive it (a SET on the connection would: CHDB-NOTES). */
function withStreamSettings(sql: string, wh: Warehouse): string {
	const statement = sql.trimEnd().replace(/;$/, '');
	if (/\bSETTINGS\b[^()]*$/i.test(statement)) throw new Error('streamQuery appends its own SETTINGS clause: the statement must not end in one');
	const settings = [`max_block_size = ${STREAM_BLOCK_ROWS}`, `max_execution_time = ${STREAM_TIMEOUT_S}`, spillSettings(wh.config)].filter(Boolean);
	return `${statement}\nSETTINGS ${settings.join(', ')}`;
}

async function* streamEmbedded<T>(wh: Warehouse, sql: string, { tag, params, signal }: StreamQueryOptions): AsyncGenerator<T[], void, undefined> {
	// Imported here, as in index.ts: the native library must not load during `vite build`.
	const { Session } = await import('chdb');
	// A connection of its own to the open engine (chDB streams one statement per connection).
	const session = new Session(wh.dataDir);
	try {
		const stream = await bindStream(session, sql, params ?? {}, signal, 'JSONEachRow', tag);
		for await (const chunk of stream) {
			if (chunk.numRows > 0) yield chunk.rows<T>();
		}
	} finally {
		// Also cancels a stream still open: the statement stops where it is.
		session.close();
	}
}

export type ChdbSession = InstanceType<(typeof import('chdb'))['Session']>;

/**
 * `sql` streamed on `session` (a chDB session of the caller's own, for this one
 * statement), its `{name:Type}` parameters first set on that session
 * (query-params.ts). chDB's own binding for streams (queryStreamBind) shares
 * state with every parameterised statement of the process, so a stream once
 * had to wait until none ran; a session's settings are its own, and the
 * stream waits for nobody. Throws before anything runs when a placeholder has
 * no value or a name is not an identifier.
 */
export async function bindStream(session: ChdbSession, sql: string, params: Params, signal: AbortSignal | undefined, format = 'JSONEachRow', tag = 'stream') {
	const set = setParameters(sql, params, tag);
	if (set) {
		await session.queryAsync(QUERY_SIZE_SETTING);
		await session.queryAsync(set);
	}
	return session.queryStream(sql, { format, signal });
}

async function* streamServer<T>(wh: Warehouse, sql: string, { tag, params, signal }: StreamQueryOptions): AsyncGenerator<T[], void, undefined> {
	const rs = await wh.client.query({ query: sql, query_params: params, format: 'JSONEachRow', abort_signal: signal, clickhouse_settings: { log_comment: tag } });
	try {
		for await (const rows of rs.stream<T>()) {
			if (rows.length > 0) yield rows.map((r) => r.json<T>());
		}
	} finally {
		// A reader who stopped early: the HTTP response is dropped, and with it the query (cancel_http_readonly_queries_on_client_close).
		rs.close();
	}
}

export interface CappedStream<T> {
	/** The statement streamed (`matching` with `LIMIT {page_limit:UInt32}`) and its parameters. */
	sql: string;
	params: Params;
	/** Rows matching when counted, just before streaming. */
	total: number;
	/** Rows the stream carries: the total, or the cap when the total is larger. */
	sending: number;
	/** The rows, chunk by chunk; read once. Stop reading (or abort the signal) and the statement stops. */
	rows: AsyncIterable<T[]>;
}

/**
 * An export's rows: `matching` (a statement without LIMIT or SETTINGS) is
 * counted first, so the response can say how many rows it carries before it
 * sends them, then streamed with `LIMIT {page_limit:UInt32}` set to that many.
 * `counted` wraps the count (a page's per-person query slots).
 */
export async function streamCapped<T>(
	matching: string,
	opts: { params: Params; cap: number; tag: string; signal?: AbortSignal; counted?: <R>(run: () => Promise<R>) => Promise<R> }
): Promise<CappedStream<T>> {
	const release = takeStreamSlot();
	try {
		const count = () => countMatching(matching, opts);
		const total = await (opts.counted ? opts.counted(count) : count());
		const sending = Math.min(total, opts.cap);
		const params: Params = { ...opts.params, page_limit: sending };
		const sql = `${matching}\nLIMIT {page_limit:UInt32}`;
		if (sending === 0) release();
		return { sql, params, total, sending, rows: releasing(streamQuery<T>(sql, { tag: opts.tag, params, signal: opts.signal }), release) };
	} catch (e) {
		release();
		throw e;
	}
}

/**
 * Streams open at once, process-wide. Each holds a warehouse session and its
 * statement for as long as its client takes to read (up to STREAM_TIMEOUT_S),
 * so slow downloads must not pile up without bound; the next export is refused
 * (429) until one ends.
 */
export const MAX_OPEN_STREAMS = 8;

export class StreamsBusyError extends Error {
	readonly status = 429;
	constructor() {
		super(`${MAX_OPEN_STREAMS} exports are already being downloaded; retry when one has finished.`);
		this.name = 'StreamsBusyError';
	}
}

const SLOTS = Symbol.for('loopmeter.warehouse.stream-slots');
const slots = ((globalThis as Record<symbol, unknown>)[SLOTS] ??= { open: 0 }) as { open: number };

/** Takes one of MAX_OPEN_STREAMS; the release is idempotent, and happens by itself after STREAM_TIMEOUT_S (the statement cannot outlive that). */
function takeStreamSlot(): () => void {
	if (slots.open >= MAX_OPEN_STREAMS) throw new StreamsBusyError();
	slots.open += 1;
	let held = true;
	const release = () => {
		if (!held) return;
		held = false;
		clearTimeout(timer);
		slots.open -= 1;
	};
	// A body that is neither read nor cancelled still gives its slot back.
	const timer = setTimeout(release, STREAM_TIMEOUT_S * 1000);
	timer.unref();
	return release;
}

/** `rows`, calling `release` when it ends, fails or is stopped: also when it is stopped before it started. */
function releasing<T>(rows: AsyncGenerator<T, void, undefined>, release: () => void): AsyncIterable<T> {
	return {
		[Symbol.asyncIterator]: () => ({
			next: async () => {
				try {
					const r = await rows.next();
					if (r.done) release();
					return r;
				} catch (e) {
					release();
					throw e;
				}
			},
			return: async () => {
				release();
				return rows.return(undefined);
			}
		})
	};
}

/** How many rows `matching` gives (a statement without LIMIT): the total an export or a drill-down states. */
export async function countMatching(matching: string, opts: { params: Params; tag: string; signal?: AbortSignal }): Promise<number> {
	const [counted] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM (\n${matching}\n)`, { tag: `${opts.tag}:count`, params: opts.params, signal: opts.signal });
	return Number(counted?.n ?? 0);
}
