import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		baseUrl: string;
	}
}

const root = resolve(import.meta.dirname, '../..');

/**
 * One production server for every browser test file: the real `loopmeter serve`
 * on a free port over a fresh embedded warehouse, so the demo scenario is loaded
 * exactly as a newcomer's `npm start` loads it.
 */
export default async function setup(project: TestProject) {
	if (!existsSync(join(root, 'build', 'handler.js'))) throw new Error('Browser tests need the production build: run `npm run build` first (npm test does).');
	const dataDir = mkdtempSync(join(tmpdir(), 'loopmeter-browser-'));
	const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--demo-login'], {
		cwd: root,
		env: { ...process.env, LOOPMETER_DATA: dataDir, CLICKHOUSE_URL: '' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const url = await waitForUrl(child);
	project.provide('baseUrl', url);
	return async () => {
		child.kill('SIGTERM');
		await new Promise((r) => child.once('exit', r));
		rmSync(dataDir, { recursive: true, force: true });
	};
}

function waitForUrl(child: ChildProcess): Promise<string> {
	return new Promise((resolve, reject) => {
		let log = '';
		const timer = setTimeout(() => reject(new Error(`loopmeter serve did not start within 600 s:\n${log}`)), 600_000);
		const onData = (chunk: Buffer) => {
			log += chunk.toString();
			const m = /running at (http:\/\/\S+)/.exec(log);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]!);
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`loopmeter serve exited with ${code} before serving:\n${log}`));
		});
	});
}
