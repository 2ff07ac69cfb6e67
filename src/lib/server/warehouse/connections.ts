import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Embedded warehouse connections that each run one piece of work at a time.
 *
 * A statement with parameters is two statements on its connection (the
 * parameters' SET, then the statement: query-params.ts), so nothing else of
 * ours may run on that connection in between: whoever holds a connection
 * (`use`) has it to themselves until their work ends. Work waits for a free
 * connection in the order it asked. Up to `size` connections are opened, on
 * first need.
 */
export class Connections {
	readonly #idle: ClickHouseClient[] = [];
	readonly #all: Promise<ClickHouseClient>[] = [];
	readonly #waiting: { give: (c: ClickHouseClient) => void }[] = [];
	#closed = false;

	constructor(
		readonly size: number,
		private readonly connect: () => Promise<ClickHouseClient>,
		/** Whether close() closes the connections (false for `of`: the client's owner closes it). */
		private readonly owned = true
	) {
		if (!Number.isInteger(size) || size < 1) throw new Error(`a connection pool needs at least one connection (got ${size})`);
	}

	/** A pool of one connection already open. */
	static of(client: ClickHouseClient): Connections {
		return new Connections(1, () => Promise.resolve(client), false);
	}

	/** How many pieces of work wait for a connection now. */
	get waiting(): number {
		return this.#waiting.length;
	}

	/**
	 * Runs `work` on a connection nobody else uses meanwhile. When `signal`
	 * aborts while waiting, the work is never run and `abandoned()` is thrown.
	 */
	async use<T>(work: (client: ClickHouseClient) => Promise<T>, signal?: AbortSignal, abandoned?: () => Error): Promise<T> {
		const client = await this.#take(signal, abandoned);
		try {
			return await work(client);
		} finally {
			this.#give(client);
		}
	}

	async #take(signal: AbortSignal | undefined, abandoned: (() => Error) | undefined): Promise<ClickHouseClient> {
		if (this.#closed) throw new Error('the warehouse connections are closed');
		const idle = this.#idle.pop();
		if (idle) return idle;
		if (this.#all.length < this.size) {
			const opening = this.connect();
			this.#all.push(opening);
			// A connection that failed to open frees its place for the next try.
			return opening.catch((e: unknown) => {
				this.#all.splice(this.#all.indexOf(opening), 1);
				throw e;
			});
		}
		return new Promise<ClickHouseClient>((resolve, reject) => {
			const waiter = {
				give: (c: ClickHouseClient) => {
					signal?.removeEventListener('abort', leave);
					resolve(c);
				}
			};
			const leave = () => {
				const at = this.#waiting.indexOf(waiter);
				if (at >= 0) this.#waiting.splice(at, 1);
				reject(abandoned?.() ?? new Error('abandoned while waiting for a warehouse connection'));
			};
			if (signal?.aborted) return leave();
			signal?.addEventListener('abort', leave, { once: true });
			this.#waiting.push(waiter);
		});
	}

	#give(client: ClickHouseClient): void {
		const next = this.#waiting.shift();
		if (next) next.give(client);
		else this.#idle.push(client);
	}

	/** Closes every connection this pool opened (not the one given to `of`: its owner closes it). */
	async close(): Promise<void> {
		this.#closed = true;
		const opened = await Promise.all(this.#all.map((c) => c.catch(() => undefined)));
		this.#all.length = 0;
		this.#idle.length = 0;
		if (this.owned) await Promise.all(opened.map((c) => c?.close().catch(() => undefined)));
	}
}
