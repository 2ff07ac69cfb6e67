import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a piece of server work is for, carried from hooks.server.ts through
 * every promise a request starts (streamed panels included), so the metric
 * runner can share the warehouse fairly without being handed the request.
 */
const KEY = Symbol.for('loopmeter.http.person-slots');
interface RequestContext {
	person: string;
	/** Aborts when the person's browser goes away (request.signal). */
	signal?: AbortSignal;
	/** Set when something this request showed failed: its rendered response must not be reused (response-cache.ts). */
	failed?: boolean;
}
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
	context: new AsyncLocalStorage<RequestContext>(),
	busy: new Map<string, { running: number; waiting: (() => void)[] }>()
}) as { context: AsyncLocalStorage<RequestContext>; busy: Map<string, { running: number; waiting: (() => void)[] }> };

/** Uncached metric and drill-down queries one person may have running at once; the rest wait their turn. */
export const PER_PERSON_QUERIES = 2;

export function asPerson<T>(person: string, work: () => T, signal?: AbortSignal): T {
	return state.context.run({ person, signal }, work);
}

/** The abort signal of the request this work is for (undefined outside a request). */
export function requestSignal(): AbortSignal | undefined {
	return state.context.getStore()?.signal;
}

/** Marks the current request as having shown a failure (a panel's error, a query that threw). */
export function noteRequestFailure(): void {
	const store = state.context.getStore();
	if (store) store.failed = true;
}

/** `value`, noting a failure of the current request when `failed` (for a page's `.then`/`.catch` chains). */
export function failedIf<T>(failed: boolean, value: T): T {
	if (failed) noteRequestFailure();
	return value;
}

/** Whether `noteRequestFailure` was called during the request `work` runs in. */
export function requestFailed(): boolean {
	return state.context.getStore()?.failed === true;
}

/**
 * Runs `work` (one uncached warehouse query) once the person it is for has
 * fewer than PER_PERSON_QUERIES running. One person asking for a dozen wide
 * periods queues behind themselves, not in front of everyone else. Work done
 * outside a request (CLI, start-up warm-up, tests) is not limited.
 */
export async function inPersonSlot<T>(work: () => Promise<T>, limit = PER_PERSON_QUERIES): Promise<T> {
	const person = state.context.getStore()?.person;
	if (person === undefined) return work();
	let b = state.busy.get(person);
	if (!b) state.busy.set(person, (b = { running: 0, waiting: [] }));
	const slots = b;
	if (slots.running >= limit) await new Promise<void>((resolve) => slots.waiting.push(resolve));
	else slots.running += 1;
	try {
		return await work();
	} finally {
		// Hand the slot straight to the next in line, or give it back.
		const next = slots.waiting.shift();
		if (next) next();
		else {
			slots.running -= 1;
			if (slots.running === 0) state.busy.delete(person);
		}
	}
}
