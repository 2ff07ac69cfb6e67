import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/lib/server/project-root.js';

export interface RunningServer {
	url: string;
	pid: number;
	/** Resident and peak resident memory of the server process, bytes. */
	memory(): { rss: number; peak: number };
	/** A `Cookie` header value for an authenticated viewer (the demo auto-login on loopback). */
	cookie: string;
	/**
	 * Resolves when `loopmeter serve` has pre-computed every page's default view
	 * (its start-up warm-up), or after `maxMs` — what a visitor meets once the
	 * server has settled, as in production.
	 */
	warmedUp(maxMs: number): Promise<boolean>;
	stop(): Promise<void>;
}

/**
 * Starts `loopmeter serve` on the production build in build/ against the bench
 * warehouse, on a free port of 127.0.0.1, and waits for its URL. The server is a
 * separate process so its memory and CPU are its own, as in production.
 */
export async function startServer(dataDir: string, log: (s: string) => void, env: Record<string, string> = {}): Promise<RunningServer> {
	const root = projectRoot();
	if (!existsSync(join(root, 'build', 'handler.js'))) {
		throw new Error('No production build in build/: the bench measures the production server, so run `npm run build` first.');
	}
	const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--demo-login', '--no-demo'], {
		cwd: root,
		env: { ...process.env, LOOPMETER_DATA: dataDir, CLICKHOUSE_URL: '', NODE_ENV: 'production', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	const url = await new Promise<string>((resolve, reject) => {
		const onData = (b: Buffer) => {
			output += b.toString();
			const m = /running at (http:\/\/\S+)/.exec(output);
			if (m) resolve(m[1]!);
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
		child.once('exit', (code) => reject(new Error(`loopmeter serve exited (${code}) before listening:\n${output.slice(-2000)}`)));
		setTimeout(() => reject(new Error(`loopmeter serve did not start within 180 s:\n${output.slice(-2000)}`)), 180_000).unref();
	});
	log(`Production server at ${url} (pid ${child.pid})`);
	const cookie = await demoCookie(url);
	return {
		url,
		pid: child.pid!,
		cookie,
		memory: () => memoryOf(child.pid!),
		warmedUp: (maxMs) =>
			new Promise<boolean>((resolve) => {
				const done = () => /Pre-computed the default view/.test(output);
				// The server's own line says how long the day tables and the pre-computation took.
				const report = () => {
					for (const line of output.split('\n')) if (/^(Day table |Pre-computed the default view)/.test(line)) log(`  server: ${line.trim()}`);
				};
				if (done()) {
					report();
					return resolve(true);
				}
				const timer = setInterval(() => {
					if (done()) {
						clearInterval(timer);
						report();
						resolve(true);
					}
				}, 500);
				setTimeout(() => {
					clearInterval(timer);
					resolve(done());
				}, maxMs).unref();
			}),
		stop: () => stop(child)
	};
}

/**
 * Whatever session cookie the server sets on a cheap request (none when the demo
 * auto-login on loopback authenticates every request by itself). Not a page: a
 * page load would run its panels and skew the figures taken right after start.
 */
async function demoCookie(url: string): Promise<string> {
	const res = await fetch(`${url}/healthz`, { redirect: 'manual' });
	await res.arrayBuffer();
	return res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0]!)
		.join('; ');
}

function memoryOf(pid: number): { rss: number; peak: number } {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
		return { rss: kb('VmRSS'), peak: kb('VmHWM') };
	} catch {
		return { rss: NaN, peak: NaN };
	}
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
		child.once('exit', () => {
			clearTimeout(kill);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
