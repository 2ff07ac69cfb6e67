import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureFirstAdmin } from '../../lib/server/auth/first-admin.js';
import { refreshDayTablesLogged } from '../../lib/server/metrics/day-tables.js';
import { notifyAlertsLogged } from '../../lib/server/alerts/notify.js';
import { projectRoot } from '../../lib/server/project-root.js';
import { advertiseUrl, closeWarehouse, getWarehouse, query } from '../../lib/server/warehouse/index.js';
import { parse, UsageError, type Command } from '../command.js';

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
  --no-warm    don't pre-compute the pages' default panels after start-up`,
	async run(argv) {
		const { values } = parse(argv, { port: { type: 'string' }, host: { type: 'string' }, 'no-demo': { type: 'boolean' }, 'no-warm': { type: 'boolean' } }, false);
		const handlerPath = join(projectRoot(), 'build', 'handler.js');
		if (!existsSync(handlerPath)) throw new UsageError('No production build in build/: run `npm run build` first (or `npm start`, which builds and serves).');
		const port = values.port === undefined ? undefined : Number(values.port);
		if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError(`--port: not a port number: ${values.port}`);

		const wh = await getWarehouse({ role: 'loopmeter serve' });
		const where = wh.mode === 'embedded' ? `embedded warehouse at ${wh.dataDir}` : `ClickHouse at ${wh.config.CLICKHOUSE_URL}${wh.cluster ? ` (cluster ${wh.cluster})` : ''}`;
		console.log(`Warehouse: ${where}, schema up to date.`);

		if (!values['no-demo'] && (await isEmpty())) await loadDemo();
		await printFirstAdmin();

		// adapter-node reads these when its handler module loads.
		process.env.BODY_SIZE_LIMIT ??= String(wh.config.LOOPMETER_MAX_UPLOAD_BYTES);
		type Handler = NonNullable<Parameters<typeof createServer>[1]>;
		// The handler loads once the port is known (below): requests wait for it.
		let loaded: (h: Handler) => void = () => {};
		const ready = new Promise<Handler>((resolve) => (loaded = resolve));
		const server = createServer((req, res) => void ready.then((h) => h(req, res)));
		await listen(server, port ?? wh.config.PORT, values.host ?? wh.config.HOST);
		const address = server.address();
		const boundPort = typeof address === 'object' && address ? address.port : port;
		const host = values.host ?? wh.config.HOST;
		const url = `http://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${boundPort}`;
		// adapter-node takes the origin from ORIGIN, else assumes https: without this every browser form post and
		// write over plain http (annotations, thresholds, sign-in) would fail SvelteKit's and our cross-site checks.
		// Behind a TLS proxy, ORIGIN is set to the public URL (README) and wins.
		process.env.ORIGIN ??= url;
		loaded(((await import(pathToFileURL(handlerPath).href)) as { handler: Handler }).handler);
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

/** First start with no account: the auth module creates an admin and we show its one-time password once. */
async function printFirstAdmin(): Promise<void> {
	const password = await ensureFirstAdmin();
	if (password) {
		console.log('');
		console.log('Created the first account: user "admin", one-time password:');
		console.log(`    ${password}`);
		console.log('It is shown only now; sign in and change it (or `loopmeter users reset-password admin`).');
		console.log('');
	}
}
