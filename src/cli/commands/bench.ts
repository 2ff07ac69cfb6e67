import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../lib/server/project-root.js';
import { parse, UsageError, type Command } from '../command.js';
import type { QueriesResult } from '../../../bench/queries.js';

const PHASES = ['generate', 'ingest', 'queries', 'pages', 'load', 'think', 'size', 'freshness', 'captions'] as const;
type Phase = (typeof PHASES)[number];
const SCALES = ['small', 'medium', 'large'] as const;

const command: Command = {
	name: 'bench',
	summary: 'measure demo generation, panel queries (rollup vs raw), pages, a load test, memory, disk and JS size',
	help: `loopmeter bench [all|generate|ingest|queries|pages|load|think|size|freshness|captions|report] [options]

Runs on its own embedded warehouse in bench/out/data (gitignored) and writes
the figures to bench/results.md, with the machine they were measured on.

  generate  deletes bench/out/data, then generates the demo scenario at --scale
            and times it (--synthetic: the synthetic generator instead)
  ingest    the ingest benchmark (bench/ingest.ts)
  queries   every registered metric over the pages' default requests (28 days:
            total, by day, by day × leading dimensions), cold and warm p50/p95,
            each paired with the same request forced onto the raw tables
  pages     each page's server time (HTML and __data.json) on the production
            server, and a full load in headless Chromium
  load      --viewers simulated viewers browsing for --seconds (HTML + __data.json)
            with no think time: the server's capacity
  think     --viewers different people for --seconds, 2–10 s between pages, 80 %
            default views and 20 % a random period (7–182 days) and grain:
            default and uncached views' p50/p95 apart, and whether a default
            view was slowed by someone else's uncached one
  size      warehouse size on disk, rows and bytes per table, server RSS, JS per page (gzip)
  freshness appends one day of engagement (a copy of the busiest recent day) through
            ingest and times the day tables' refresh until all match the data
  captions  50 k videos sharing one caption loaded into a warehouse of their own
            (bench/out/captions-data): the near-duplicate worst case
  report    rewrite bench/results.md from the last figures of every phase
  all       every phase in order (default), each in its own process

pages, load, think and size serve the production build in build/ (\`npm run build\`).

Options:
  --scale small|medium|large  demo size (default large: ≥ 100 M impressions; medium ≈ 10 M)
  --synthetic                 generate with bench/synthetic.ts instead of the demo
  --repeats N                 warm repeats per query and page (default 5)
  --group-bys N               breakdown requests per metric (default 3)
  --metric ID                 only these metrics (repeatable)
  --viewers N                 load-test viewers (default 50)
  --seconds N                 load-test duration (default 60)
  --out DIR                   where the warehouse and raw figures go (default bench/out)`,
	async run(argv) {
		const { values, positionals } = parse(argv, {
			scale: { type: 'string', default: 'large' },
			synthetic: { type: 'boolean' },
			repeats: { type: 'string', default: '5' },
			'group-bys': { type: 'string', default: '3' },
			metric: { type: 'string', multiple: true },
			viewers: { type: 'string', default: '50' },
			seconds: { type: 'string', default: '60' },
			out: { type: 'string' }
		});
		const [what = 'all', ...extra] = positionals;
		if (extra.length) throw new UsageError(`one phase at a time; got ${positionals.join(' ')}`);
		if (what !== 'all' && what !== 'report' && !(PHASES as readonly string[]).includes(what)) {
			throw new UsageError(`unknown phase "${what}": use all, ${PHASES.join(', ')} or report`);
		}
		if (!(SCALES as readonly string[]).includes(values.scale!)) throw new UsageError(`--scale must be one of ${SCALES.join(', ')}`);
		const int = (name: string, v: string | undefined, min: number) => {
			const n = Number(v);
			if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
			return n;
		};
		const opts: PhaseOptions = {
			scale: values.scale as (typeof SCALES)[number],
			synthetic: values.synthetic ?? false,
			repeats: int('repeats', values.repeats, 1),
			groupBys: int('group-bys', values['group-bys'], 0),
			metrics: values.metric,
			viewers: int('viewers', values.viewers, 1),
			seconds: int('seconds', values.seconds, 1),
			out: values.out ? resolve(values.out) : undefined
		};
		if (what === 'all') {
			for (const phase of PHASES) {
				console.log(`\n== ${phase}`);
				// Each phase in its own process: the embedded warehouse allows one process
				// per directory, and the server phases need it free for `loopmeter serve`.
				const code = await child(['bench', phase, ...argv.filter((a) => a !== 'all')]);
				if (code !== 0) {
					console.error(`bench ${phase} failed (exit ${code}); the report keeps the phases that ran.`);
					if (phase === 'generate') return code;
				}
			}
			await report(opts);
			return 0;
		}
		if (what === 'report') return report(opts);
		return runPhase(what as Phase, opts);
	}
};
export default command;

interface PhaseOptions {
	scale: (typeof SCALES)[number];
	synthetic: boolean;
	repeats: number;
	groupBys: number;
	metrics?: string[];
	viewers: number;
	seconds: number;
	out?: string;
}

function child(args: string[]): Promise<number> {
	return new Promise((done) => {
		const p = spawn(process.execPath, [join(projectRoot(), 'bin', 'loopmeter.js'), ...args], { stdio: 'inherit' });
		p.once('exit', (code) => done(code ?? 1));
	});
}

async function report(opts: PhaseOptions): Promise<number> {
	const { benchPaths } = await import('../../../bench/paths.js');
	const { writeReport } = await import('../../../bench/report.js');
	const paths = benchPaths(opts.out);
	writeReport(paths);
	console.log(`Wrote ${paths.report}`);
	return 0;
}

async function runPhase(phase: Phase, opts: PhaseOptions): Promise<number> {
	// Bench modules load lazily: `loopmeter --help` must not pull in playwright or chDB.
	const { benchPaths } = await import('../../../bench/paths.js');
	const { machine } = await import('../../../bench/machine.js');
	const { savePhase, writeReport } = await import('../../../bench/report.js');
	const paths = benchPaths(opts.out);
	const log = (s: string) => console.log(s);
	// Every phase works on the bench warehouse, never on ./data.
	process.env.LOOPMETER_DATA = phase === 'captions' ? join(paths.out, 'captions-data') : paths.data;
	delete process.env.CLICKHOUSE_URL;
	delete process.env.CLICKHOUSE_CLUSTER;
	// Generating 100 M rows outlasts the dashboard's query timeout; a panel query
	// (or its raw twin) gets 5 minutes, past which it is reported as timed out —
	// far outside every target either way. The server phases keep the production default.
	if (phase === 'generate' || phase === 'ingest') process.env.LOOPMETER_QUERY_TIMEOUT_MS = '3600000';
	if (phase === 'queries') process.env.LOOPMETER_QUERY_TIMEOUT_MS = '300000';
	// Day tables are built by `generate` under the production memory cap: they must fit it
	// (a table that does not is reported, with the engine's message, in the targets). Only the
	// raw twins of the queries phase (every impression read live, for the ×-faster comparison)
	// get the cap lifted at large scale, unless told otherwise.
	if (phase === 'queries' && opts.scale === 'large') process.env.LOOPMETER_WAREHOUSE_MEMORY_MB ??= '0';
	if (phase === 'freshness') process.env.LOOPMETER_QUERY_TIMEOUT_MS = '3600000';
	const { closeWarehouse, getWarehouse } = await import('../../lib/server/warehouse/index.js');
	const record = <T>(data: T) => savePhase(paths, { phase, machine: machine(), scale: opts.scale, data });

	switch (phase) {
		case 'generate': {
			rmSync(paths.data, { recursive: true, force: true });
			rmSync(join(paths.out, 'demo-files'), { recursive: true, force: true });
			const { generate } = await import('../../../bench/generate.js');
			await getWarehouse({ role: 'loopmeter bench generate' });
			record(await generate(opts.scale, { synthetic: opts.synthetic, filesDir: join(paths.out, 'demo-files'), log }));
			await closeWarehouse();
			break;
		}
		case 'ingest': {
			const { benchIngest, formatRatios } = await import('../../../bench/ingest.js');
			const { markdown, timings } = await benchIngest({ scale: opts.scale, out: paths.out, log });
			record({ markdown, formats: formatRatios(timings) });
			await closeWarehouse();
			break;
		}
		case 'queries': {
			const { benchQueries } = await import('../../../bench/queries.js');
			await getWarehouse({ role: 'loopmeter bench queries' });
			// With --metric, the figures of the other metrics from the previous run are kept.
			const { loadPhase } = await import('../../../bench/report.js');
			const previous = opts.metrics ? loadPhase<QueriesResult>(paths, 'queries')?.data : undefined;
			const merge = (r: QueriesResult): QueriesResult =>
				previous
					? {
							...r,
							timings: [...previous.timings.filter((t) => !opts.metrics!.includes(t.metric)), ...r.timings],
							tables: r.tables.length ? r.tables : previous.tables,
							dayTables: r.dayTables?.length ? r.dayTables : previous.dayTables
						}
					: r;
			record(merge(await benchQueries({ repeats: opts.repeats, groupBys: opts.groupBys, only: opts.metrics, log, save: (partial) => record(merge(partial)) })));
			await closeWarehouse();
			break;
		}
		case 'pages':
		case 'load': {
			const { startServer } = await import('../../../bench/server.js');
			const server = await startServer(paths.data, log);
			try {
				// Visitors arrive once the server has settled (pages pre-computed), as after
				// a deploy; the first computation of each panel is in the queries section.
				log('Waiting for the server to pre-compute every page (at most 15 min)…');
				if (!(await server.warmedUp(15 * 60_000))) log('  it did not finish: the figures include a server still computing');
				if (phase === 'pages') {
					const { benchPages } = await import('../../../bench/pages.js');
					record(await benchPages(server, opts.repeats, log, (partial) => record(partial)));
				} else {
					const { discoverPages } = await import('../../../bench/pages.js');
					const { loadTest } = await import('../../../bench/load.js');
					record(await loadTest(server, discoverPages(), opts.viewers, opts.seconds, log));
				}
			} finally {
				await server.stop();
			}
			break;
		}
		case 'think': {
			// The data's first and last day, for the random periods; then the warehouse is the server's.
			const { firstDataDay, latestDataDay } = await import('../../lib/server/pages/page-state.js');
			await getWarehouse({ role: 'loopmeter bench think' });
			const [first, last] = await Promise.all([firstDataDay(), latestDataDay()]);
			await closeWarehouse();
			if (!first || !last) throw new Error('The bench warehouse has no data: run `loopmeter bench generate` first.');
			const { startServer } = await import('../../../bench/server.js');
			// Each viewer is a different person (their own query slots), signed in by a trusted
			// proxy header as the load generator cannot type passwords fast enough; admins see every page.
			const server = await startServer(paths.data, log, { LOOPMETER_AUTH: 'proxy', LOOPMETER_AUTH_HEADER: 'X-Forwarded-User', LOOPMETER_AUTH_ROLE_HEADER: 'X-Forwarded-Role' });
			try {
				const { discoverPages } = await import('../../../bench/pages.js');
				const { thinkTimeTest, warmPagesAs } = await import('../../../bench/think.js');
				await warmPagesAs(server, discoverPages(), { 'x-forwarded-user': 'warm-up', 'x-forwarded-role': 'admin' }, log);
				const headersFor = (i: number) => ({ 'x-forwarded-user': `viewer-${i}`, 'x-forwarded-role': 'admin' });
				record(await thinkTimeTest(server, { pages: discoverPages(), viewers: opts.viewers, seconds: opts.seconds, dataDays: { first, last }, headersFor, log }));
			} finally {
				await server.stop();
			}
			break;
		}
		case 'freshness': {
			// Under the production memory cap: the refresh after a daily load must fit it.
			const { benchFreshness } = await import('../../../bench/freshness.js');
			await getWarehouse({ role: 'loopmeter bench freshness' });
			record(await benchFreshness({ out: paths.out, log }));
			await closeWarehouse();
			break;
		}
		case 'captions': {
			rmSync(join(paths.out, 'captions-data'), { recursive: true, force: true });
			const { benchCaptions } = await import('../../../bench/captions.js');
			await getWarehouse({ role: 'loopmeter bench captions' });
			record(await benchCaptions({ dir: paths.out, log }));
			await closeWarehouse();
			break;
		}
		case 'size': {
			const { directoryBytes, pageBundles } = await import('../../../bench/size.js');
			const { tableSizes } = await import('../../../bench/queries.js');
			await getWarehouse({ role: 'loopmeter bench size' });
			const tables = await tableSizes();
			await closeWarehouse();
			const warehouseBytes = directoryBytes(paths.data);
			const bundles = pageBundles();
			let serverRssIdleBytes: number | undefined;
			if (existsSync(join(projectRoot(), 'build', 'handler.js'))) {
				const { startServer } = await import('../../../bench/server.js');
				const server = await startServer(paths.data, log);
				serverRssIdleBytes = server.memory().rss;
				await server.stop();
			}
			log(`Warehouse ${warehouseBytes} bytes on disk; ${bundles.length} routes measured`);
			record({ warehouseBytes, tables, bundles, serverRssIdleBytes });
			break;
		}
	}
	writeReport(paths);
	return 0;
}
