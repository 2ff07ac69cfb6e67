import { getWarehouse, type Warehouse } from '../warehouse/index.js';
import { controlLane } from '../http/control-lane.js';
import type { Role } from './access.js';

/**
 * Sign-in, session and token checks never wait behind a panel. When chDB ran
 * every parameterised statement one at a time, process-wide, a sign-in that
 * looked its account up with a parameter took 11 s behind four queued 2.5 s
 * panel queries; panels still fill every panel connection under load. The auth tables are small, so this process keeps them in
 * memory instead: whole-table *plain* reads (no parameters) on the control
 * lane (its own connection, http/control-lane.ts), at start, after every auth
 * write by this process, and every REFRESH_MS for changes made by another
 * process (the CLI, or another app instance, against a ClickHouse server).
 * Writes go out as JSONEachRow `insert()`s on the same lane (no parameters
 * either) and are seen by this process at once.
 *
 * A miss is final against an embedded warehouse (one process holds it, so
 * every write went through here). Against a server another process may have
 * just written the row, so a miss reloads first, at most once every
 * MISS_RELOAD_MS, which bounds what random cookies can cost. When the last
 * load failed (warehouse unreachable), a hit is still served, so people
 * already signed in keep working, but a miss tries to load again and, failing,
 * throws: the request is answered "warehouse unavailable", not "not signed in".
 */
export const REFRESH_MS = 5_000;
export const MISS_RELOAD_MS = 1_000;

export interface UserRow {
	name: string;
	role: Role;
	password_hash: string;
	must_change_password: boolean;
	/** DateTime64(3) text, UTC: sessions created before it are void. */
	sessions_valid_after: string;
}

export interface SessionRow {
	session_hash: string;
	user_name: string;
	created_at: string;
	expires_at: string;
	ip: string;
}

export interface TokenRow {
	token_id: string;
	token_hash: string;
	name: string;
	scopes: string[];
	created_by: string;
	created_at: string;
}

/** Live rows only: removed users, revoked or expired sessions and revoked tokens are left out. */
export interface Snapshot {
	users: Map<string, UserRow>;
	sessions: Map<string, SessionRow>;
	/** By token_hash. */
	tokens: Map<string, TokenRow>;
}

/** What one write of this process did: a row that is now live, or a key that no longer is. */
export type Change =
	| { kind: 'user'; name: string; row?: UserRow }
	| { kind: 'session'; hash: string; row?: SessionRow }
	| { kind: 'token'; hash: string; row?: TokenRow };

function applyChange(s: Snapshot, c: Change): void {
	const [map, key] = c.kind === 'user' ? [s.users as Map<string, unknown>, c.name] : c.kind === 'session' ? [s.sessions, c.hash] : [s.tokens, c.hash];
	if (c.row) map.set(key, c.row);
	else map.delete(key);
}

/**
 * The in-memory copy and how it stays right: writes of this process that land
 * while a load is under way are replayed on top of what the load read (each
 * change sets or deletes one key, so replaying one the load already saw
 * changes nothing).
 */
export class AuthMirror {
	#data?: Snapshot;
	#failure?: unknown;
	#seq = 0;
	#log: { seq: number; change: Change }[] = [];
	#loading?: Promise<void>;
	#loadStartedAt = 0;

	constructor(private readonly load: () => Promise<Snapshot>) {}

	get data(): Snapshot | undefined {
		return this.#data;
	}

	/** Why the last load failed, while it is unresolved. */
	get failure(): unknown {
		return this.#failure;
	}

	/** When the last successful load began (ms since the epoch). */
	get loadStartedAt(): number {
		return this.#loadStartedAt;
	}

	/** Reads the tables again; joins a load already under way. Rejects when the load fails. */
	refresh(): Promise<void> {
		this.#loading ??= this.#reload().finally(() => {
			this.#loading = undefined;
		});
		return this.#loading;
	}

	async #reload(): Promise<void> {
		const from = this.#seq;
		const startedAt = Date.now();
		try {
			const fresh = await this.load();
			const later = this.#log.filter((e) => e.seq > from);
			for (const e of later) applyChange(fresh, e.change);
			this.#log = later;
			this.#data = fresh;
			this.#failure = undefined;
			this.#loadStartedAt = startedAt;
		} catch (e) {
			this.#failure = e;
			throw e;
		}
	}

	/** A write of this process that the warehouse has accepted: seen at once, and kept across a load under way. */
	apply(change: Change): void {
		this.#seq += 1;
		this.#log.push({ seq: this.#seq, change });
		if (this.#data) applyChange(this.#data, change);
	}
}

// Process-wide (like the warehouse handle): a dev-server reload re-evaluates
// modules, but sign-in and the hooks must share one copy.
const KEY = Symbol.for('loopmeter.auth.mirror');
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= {}) as { for?: Warehouse; mirror?: AuthMirror; timer?: ReturnType<typeof setInterval> };

const LIVE_USERS = `SELECT name, role, password_hash, must_change_password, sessions_valid_after
FROM (SELECT * FROM auth_users FINAL) WHERE NOT removed`;
const LIVE_SESSIONS = `SELECT session_hash, user_name, created_at, expires_at, ip
FROM (SELECT * FROM auth_sessions FINAL) WHERE NOT revoked AND expires_at > now64(3)`;
const LIVE_TOKENS = `SELECT token_id, token_hash, name, scopes, created_by, created_at
FROM (SELECT * FROM auth_tokens FINAL) WHERE revoked_at IS NULL`;

async function loadFromWarehouse(): Promise<Snapshot> {
	const lane = await controlLane();
	const users = await lane.query<UserRow>(LIVE_USERS, { tag: 'auth:mirror-users' });
	const sessions = await lane.query<SessionRow>(LIVE_SESSIONS, { tag: 'auth:mirror-sessions' });
	const tokens = await lane.query<TokenRow>(LIVE_TOKENS, { tag: 'auth:mirror-tokens' });
	return {
		users: new Map(users.map((u) => [u.name, { ...u, must_change_password: Boolean(u.must_change_password) }])),
		sessions: new Map(sessions.map((s) => [s.session_hash, s])),
		tokens: new Map(tokens.map((t) => [t.token_hash, t]))
	};
}

interface Current {
	mirror: AuthMirror;
	data: Snapshot;
	mode?: Warehouse['mode'];
	/** Set when the copy may be out of date because the warehouse cannot be read. */
	failure?: unknown;
}

/** The copy for the warehouse open now: loaded (and the timer started) on first use and whenever the warehouse was reopened. */
async function current(): Promise<Current> {
	let wh: Warehouse;
	try {
		wh = await getWarehouse();
	} catch (e) {
		const data = slot.mirror?.data;
		if (slot.mirror && data) return { mirror: slot.mirror, data, failure: e };
		throw e;
	}
	if (slot.for !== wh || !slot.mirror) {
		slot.for = wh;
		slot.mirror = new AuthMirror(loadFromWarehouse);
		if (slot.timer) clearInterval(slot.timer);
		const mirror = slot.mirror;
		// Failures are kept in mirror.failure; the next tick tries again.
		slot.timer = setInterval(() => void mirror.refresh().catch(() => undefined), REFRESH_MS);
		// Never keeps a CLI command or a test process alive.
		slot.timer.unref?.();
	}
	const mirror = slot.mirror;
	if (!mirror.data) await mirror.refresh();
	return { mirror, data: mirror.data!, mode: wh.mode, failure: mirror.failure };
}

/**
 * `pick` applied to the copy. A miss is answered from memory unless the copy
 * may be missing the row: then it throws the warehouse's failure, or (a
 * server, where another process may have written it) reads the tables again.
 */
export async function lookup<T>(pick: (s: Snapshot) => T | undefined): Promise<T | undefined> {
	const c = await current();
	const hit = pick(c.data);
	if (hit !== undefined) return hit;
	// The last load failed (or the warehouse cannot be opened): the row may be one the copy never saw.
	if (c.failure && !c.mode) throw c.failure;
	if (c.failure || (c.mode === 'server' && Date.now() - c.mirror.loadStartedAt > MISS_RELOAD_MS)) {
		// Rejects with the warehouse's failure while it still cannot be read.
		await c.mirror.refresh();
		return pick(c.mirror.data!);
	}
	return undefined;
}

/** Every live row, read fresh (for decisions that must not act on a copy up to REFRESH_MS old, such as revocation). */
export async function freshSnapshot(): Promise<Snapshot> {
	const c = await current();
	await c.mirror.refresh();
	return c.mirror.data!;
}

export type AuthTable = 'auth_users' | 'auth_sessions' | 'auth_tokens' | 'auth_token_usage';

/**
 * Writes one row of an auth table on the control lane (JSONEachRow data, no
 * parameters: it never waits behind a panel), then makes this process see
 * `change` at once and reads the tables again in the background.
 */
export async function writeAuthRow(table: AuthTable, row: Record<string, unknown>, tag: string, change?: Change): Promise<void> {
	await (await controlLane()).insert(table, [row], { tag });
	if (!change) return;
	const mirror = slot.mirror;
	mirror?.apply(change);
	void mirror?.refresh().catch(() => undefined);
}

/** Forgets the copy (tests that rewrite the auth tables behind this process's back). */
export function forgetAuthMirror(): void {
	if (slot.timer) clearInterval(slot.timer);
	slot.timer = undefined;
	slot.mirror = undefined;
	slot.for = undefined;
}
