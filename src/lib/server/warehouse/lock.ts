import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * chDB lets exactly one process open a data directory; a second one fails deep
 * inside the engine. We take our own lock first so the second process can be
 * told who holds the directory and what to do instead.
 */
export interface LockHolder {
	pid: number;
	role: string;
	/** Base URL of the running app when the holder is a server, for `ingest --via`. */
	url?: string;
	startedAt: string;
}

export class WarehouseLockedError extends Error {
	constructor(
		readonly dataDir: string,
		readonly holder: LockHolder
	) {
		const how = holder.url
			? `stop it, or send work through it (e.g. \`loopmeter ingest … --via ${holder.url}\`)`
			: `stop it (kill ${holder.pid}) or wait for it to finish`;
		super(`The warehouse at ${dataDir} is in use by process ${holder.pid} (${holder.role}, since ${holder.startedAt}); ${how}.`);
		this.name = 'WarehouseLockedError';
	}
}

const lockPath = (dataDir: string) => join(dataDir, 'loopmeter.lock');

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		// EPERM: the process exists but belongs to someone else.
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function readLock(dataDir: string): LockHolder | undefined {
	try {
		const holder = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockHolder;
		return isAlive(holder.pid) ? holder : undefined;
	} catch {
		return undefined;
	}
}

export function acquireLock(dataDir: string, role: string): () => void {
	mkdirSync(dataDir, { recursive: true });
	const path = lockPath(dataDir);
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const fd = openSync(path, 'wx');
			const holder: LockHolder = { pid: process.pid, role, startedAt: new Date().toISOString() };
			writeSync(fd, JSON.stringify(holder));
			closeSync(fd);
			return () => rmSync(path, { force: true });
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
			const holder = readLock(dataDir);
			if (holder && holder.pid !== process.pid) throw new WarehouseLockedError(dataDir, holder);
			// The previous holder died without cleaning up (or is us after a reload): take over.
			rmSync(path, { force: true });
		}
	}
	throw new Error(`Could not take the warehouse lock at ${path}`);
}

/** A server announces its URL so CLI jobs can route work through it instead of failing. */
export function advertiseUrl(dataDir: string, url: string): void {
	const holder = readLock(dataDir);
	if (!holder || holder.pid !== process.pid) return;
	const fd = openSync(lockPath(dataDir), 'w');
	writeSync(fd, JSON.stringify({ ...holder, url }));
	closeSync(fd);
}
