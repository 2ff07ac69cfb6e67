import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureFirstAdmin } from '../../lib/server/auth/first-admin.js';
import { refreshDayTablesLogged } from '../../lib/server/metrics/day-tables.js';
import { notifyAlertsLogged } from '../../lib/server/alerts/notify.js';
import { projectRoot } from '../../lib/server/project-root.js';
import { protocolPlan, SOCKET_PROTOCOL_HEADER, withSocketProtocol } from '../../lib/server/http/plain-http.js';
import { advertiseUrl, closeWarehouse, getWarehouse, query } from '../../lib/server/warehouse/index.js';
import { parse, UsageError, type Command } from '../command.js';
import { announceFirstAdmin } from '../first-admin-notice.js';

const command: Command = {
	name: 'serve',
	summary: 'serve the dashboard (migrates, loads the demo into an empty warehouse)',
	help: `loopmeter serve [--port N] [--host H] [--no-demo]

Opens the warehouse (embedded in $LOOPMETER_DATA, default ./data, or the server in
$CLICKHOUSE_URL), applies pending migrations, and when the warehouse holds no data
at all loads the demo scenario (small scale) through the ingest path. Then serves
the production build in build/ (made by \`npm run build\`; \`npm start\` does both)
and prints the URL.

While it runs, it holds the embedded data directory: other loopmeter commands on
the same directory are told to stop it or send work through it
(\`loopmeter ingest … --via <url>\`).

Options:
  --port N     port to listen on (default $PORT or 3000; 0 picks a free one)
  --host H     interface to bind (default $HOST or 127.0.0.1)
  --no-demo    never load the demo scenario, even into an empty warehouse
  --demo-login sign in a browser on this machine as a demo admin once the demo is
               loaded (what \`npm start\` runs). Only when bound to a loopback
               address; LOOPMETER_DEMO_LOGIN=0 keeps it off, =1 turns it on
               without this flag. See docs/security.md for the conditions.
  --no-warm    don't pre-compute the pages' default panels after start-up`,
	async run(argv) {
		const { values } = parse(argv, { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' }, 'no-warm': { type: 'boolean' }, 'demo-login': { type: 'boolean' } }, false);
		const handlerPath = join(projectRoot(), 'build', 'handler.js');
		if (!existsSync(handlerPath)) throw new UsageError('No production build in build/: run `npm run build` first (or `npm start`, which builds and serves).');
		const port = values.port === undefined ? undefined : Number(values.port);
		if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError(`--port: not a port number: ${values.port}`);

		const wh = await getWarehouse({ role: 'loopmeter serve' });
		const where = wh.mode === 'embedded' ? `embedded warehouse at ${wh.dataDir}` : `ClickHouse at ${wh.config.CLICKHOUSE_URL}${wh.cluster ? ` (cluster ${wh.cluster})` : ''}`;
		console.log(`Warehouse: ${where}, schema up to date.`);

		if (!values['no-demo'] && (await isEmpty())) await loadDemo();
		await printFirstAdmin(wh.dataDir ?? wh.config.dataDir);

		// adapter-node reads these when its handler module loads.
		process.env.BODY_SIZE_LIMIT ??= String(wh.config.LOOPMETER_MAX_UPLOAD_BYTES);
		const protocol = protocolPlan(process.env);
		if (protocol.wrap) process.env.PROTOCOL_HEADER = SOCKET_PROTOCOL_HEADER;
		console.log(protocol.note);
		const { handler } = (await import(pathToFileURL(handlerPath).href)) as { handler: NonNullable<Parameters<typeof createServer>[1]> };
		const server = createServer(protocol.wrap ? withSocketProtocol(handler) : handler);
		const host = values.host ?? wh.config.HOST;
		await listen(server, port ?? wh.config.PORT, host);
		const address = server.address();
		const boundPort = typeof address === 'object' && address ? address.port : port;
		// The app reads both lazily, at its first request: the demo sign-in checks that the Host names this port.
		process.env.PORT = String(boundPort);
		const demoLogin = decideDemoLogin(!!values['demo-login'], host);
		process.env.LOOPMETER_DEMO_LOGIN = demoLogin.on ? '1' : '0';
		console.log(demoLogin.why);
		const url = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${boundPort}`;
		if (wh.dataDir) advertiseUrl(wh.dataDir, url);
		console.log(`Loopmeter is running at ${url}  (Ctrl+C to stop)`);
		void afterStart(url, !values['no-warm']);

		await new Promise<void>((resolve) => {
			const stop = (signal: string) => {
				console.log(`\n${signal}: stopping.`);
				server.close(() => resolve());
				// Keep-alive sockets of open browser tabs would hold close() forever.
				server.closeAllConnections();
			};
			process.once('SIGINT', () => stop('SIGINT'));
			process.once('SIGTERM', () => stop('SIGTERM'));
		});
		await closeWarehouse();
	}
};
export default command;

// Pages share one result per identical panel request until the data changes, and
// the embedded engine runs parameterized queries one at a time: computing the
// default view of each page once, right after start-up, is what makes the first
// click of a newcomer fast. Only pages this process may see anonymously or through
// the loopback demo sign-in get warmed; a refusal just ends the warm-up.
const WARM_PATHS = ['/', '/compute', '/unit-economics', '/revenue', '/engagement', '/feed-health'];

// Day tables first (the pages then read them), then the pages; and every few
// minutes a check that they still match the data (Stripe webhooks and syncs
// change it too), rebuilding only what changed.
const DAY_TABLES_CHECK_MS = 5 * 60_000;
const ALERT_NOTIFY_CHECK_MS = 5 * 60_000;

async function afterStart(url: string, warm: boolean): Promise<void> {
	await refreshDayTablesLogged();
	setInterval(() => void refreshDayTablesLogged(), DAY_TABLES_CHECK_MS).unref();
	// Alert webhooks: tell people when a breach starts or ends, without anyone opening a page.
	await notifyAlertsLogged();
	setInterval(() => void notifyAlertsLogged(), ALERT_NOTIFY_CHECK_MS).unref();
	if (warm) await warmPages(url);
}

async function warmPages(url: string): Promise<void> {
	const started = Date.now();
	for (const path of WARM_PATHS) {
		try {
			const res = await fetch(new URL(path, url), { redirect: 'manual' });
			await res.arrayBuffer();
			if (res.status !== 200) return;
		} catch {
			return;
		}
	}
	console.log(`Pre-computed the default view of every page in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

/**
 * The demo sign-in is on only when asked for (`--demo-login`, as `npm start`
 * does, or LOOPMETER_DEMO_LOGIN=1), never when LOOPMETER_DEMO_LOGIN=0, and only
 * while the server listens on loopback: bound to another interface, other
 * machines reach it and loopback proves nothing.
 */
function decideDemoLogin(flag: boolean, host: string): { on: boolean; why: string } {
	const env = process.env.LOOPMETER_DEMO_LOGIN;
	if (env === '0') return { on: false, why: 'Demo sign-in: off (LOOPMETER_DEMO_LOGIN=0).' };
	if (!flag && env !== '1') return { on: false, why: 'Demo sign-in: off (start with --demo-login, as npm start does, to turn it on).' };
	if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/i.test(host)) return { on: false, why: `Demo sign-in: off, because the server listens on ${host}, not only on this machine (loopback).` };
	return { on: true, why: 'Demo sign-in: on for a browser on this machine opening the URL below directly (no proxy); LOOPMETER_DEMO_LOGIN=0 turns it off.' };
}

function listen(server: Server, port: number, host: string): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', (e: NodeJS.ErrnoException) =>
			reject(
				e.code === 'EADDRINUSE'
					? new UsageError(`Port ${port} on ${host} is already in use: stop what runs there or pick another with --port (or PORT=…).`)
					: e
			)
		);
		server.listen(port, host, () => resolve());
	});
}

/** No rows in any source table and no ingest ever: a fresh install, not a warehouse whose data was deleted on purpose. */
async function isEmpty(): Promise<boolean> {
	const [row] = await query<{ n: string }>(
		`SELECT (SELECT count() FROM impressions) + (SELECT count() FROM generation_jobs) + (SELECT count() FROM ingest_runs) AS n`,
		{ tag: 'serve:is-empty' }
	);
	return Number(row?.n ?? 0) === 0;
}

async function loadDemo(): Promise<void> {
	console.log('The warehouse is empty: loading the demo scenario (small scale) through the ingest path…');
	const { runDemo } = await import('../../../ingest/demo/index.js');
	const started = Date.now();
	const result = await runDemo({
		scale: 'small',
		onProgress: (line: string) => console.log(`  ${line}`)
	});
	console.log(`Demo loaded: ${result.impressions.toLocaleString('en-US')} impressions in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

/** First start with no account: the auth module creates an admin; the one-time password is shown once, never into a log (first-admin-notice.ts). */
async function printFirstAdmin(dataDir: string): Promise<void> {
	const password = await ensureFirstAdmin();
	if (password) announceFirstAdmin(password, { tty: process.stdout.isTTY === true, dir: dataDir, log: (line) => console.log(line) });
}
