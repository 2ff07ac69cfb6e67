import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ingest } from '../ingest/index.js';
import { sources } from '../ingest/sources/index.js';
import { FAST_PATH_CHUNK_ROWS, FAST_PATH_CHUNKS_PER_INSERT } from '../ingest/settings.js';
import { boundedStatementSettings, closeWarehouse, command, getWarehouse, isOpen, query } from '../src/lib/server/warehouse/index.js';
import { startQueryProfile, stopQueryProfile } from '../src/lib/server/warehouse/profile.js';
import { pct } from './stats.js';

/**
 * The ingest benchmark: ClickHouse's own `INSERT … SELECT FROM file()` of an
 * engagement file (the native limit: no validation, no dead letters, no
 * dedup) against Loopmeter's full ingest of the same file, in one run on one
 * fresh embedded warehouse; then the same for CSV and Parquet copies. Prints
 * rates, the ratio and peak RSS.
 *
 * Called by `loopmeter bench ingest` (benchIngest) or on its own:
 *   npx tsx bench/ingest.ts [rows] [NDJSON repeats] [formats]   (default 1 000 000, 3, NDJSON,CSV,Parquet)
 */

export interface IngestBenchOptions {
	/** small → 1 M rows, medium/large → 5 M. */
	scale?: 'small' | 'medium' | 'large';
	/** NDJSON measurements (native, native + views, Loopmeter), alternating; default 3. */
	repeats?: number;
	rows?: number;
	/** Formats to measure (default all three). */
	formats?: readonly ('NDJSON' | 'CSV' | 'Parquet')[];
	/** Work folder (a fresh warehouse and the generated files go below it). */
	out?: string;
	log?: (s: string) => void;
}

interface Timing {
	format: string;
	rows: number;
	bytes: number;
	nativeSeconds: number;
	/** Native into `impressions` itself, its rollup views running. */
	viewsSeconds: number;
	viewsCpu: number;
	loopmeterSeconds: number;
	/** CPU seconds of the whole process (chDB runs inside it): steadier than wall time on a shared machine. */
	nativeCpu: number;
	loopmeterCpu: number;
	loopmeterLoaded: number;
	loopmeterRejected: number;
	/** Loopmeter into a warehouse whose rollup views on `impressions` were dropped: like for like with the bare native load (NDJSON only). */
	bareSeconds?: number;
	bareCpu?: number;
	peakRssMb: number;
	/** The machine's load average (1, 5, 15 min) when this format's Loopmeter load ended: wall times on a shared machine mean little without it. */
	load: string;
	/** Wall seconds of Loopmeter's statements by tag, slowest first (what the rest of its time is: JavaScript, and waiting for background merges). */
	profile: { tag: string; calls: number; ms: number }[];
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** The load average now, as /proc/loadavg gives it (1, 5 and 15 minutes). */
const loadNow = () => loadavg().map((x) => x.toFixed(2)).join(' ');
/** The issue's targets: Loopmeter's wall time against the bare native load of the same rows in the same format. */
const TARGETS: Record<string, number> = { NDJSON: 0.6, Parquet: 0.5, CSV: 0.35 };

/**
 * Deterministic engagement rows shaped like a month's export of a feed app:
 * each day's sessions (one user scrolling 4–40 clips, seconds apart, down
 * the feed) mostly show that week's new videos, so a user-day or video-day
 * gathers several impressions, as in the demo scenario (~7 per user-day)
 * and in real exports. (Until 2026-11-26 the file spread 5 M rows over 180
 * days, 200 000 users and 500 000 videos at random: about one impression per
 * user-day and per video-day, the worst case for the rollup views and far
 * from any feed.) About 1 in 1000 rows breaks a rule, as real exports do.
 */
export async function writeEngagement(path: string, rows: number): Promise<void> {
	const out = createWriteStream(path, { highWaterMark: 1 << 20 });
	const surfaces = ['feed', 'feed', 'feed', 'following', 'profile', 'search', 'share_link'];
	const modes = ['default', 'relaxed', 'energized'];
	const countries = ['US', 'DE', 'BR', 'IN', 'JP'];
	const platforms = ['ios', 'android', 'web'];
	const days = 30;
	const users = Math.max(1_000, Math.round(rows / 20));
	const videos = Math.max(1_000, Math.round(rows / 25));
	const perDay = rows / days;
	const start = Date.UTC(2026, 5, 1);
	let buf = '';
	let i = 0;
	let session = 0;
	while (i < rows) {
		const day = Math.min(days - 1, Math.floor(i / perDay));
		const hs = (session * 2654435761) >>> 0;
		const user = hs % users;
		const length = 4 + ((hs >>> 7) % 37);
		let ts = start + day * 86_400_000 + ((hs >>> 3) % 86_000) * 1000;
		for (let k = 0; k < length && i < rows; k++, i++) {
			const h = ((i + 1) * 2246822519) >>> 0;
			// Four in five from the videos published in the last week, the rest from the whole catalogue so far.
			const published = Math.max(1, Math.round(((day + 1) / days) * videos));
			const recent = Math.max(1, Math.round((7 / days) * videos));
			const video = h % 5 ? published - 1 - (h % Math.min(recent, published)) : h % published;
			const duration = 5_000 + (h % 55_000);
			buf += `${JSON.stringify({
				impression_id: `b${i}`,
				ts: new Date(ts).toISOString(),
				user_id: `u${user}`,
				session_id: `s${session}`,
				video_id: `v${video}`,
				watch_ms: i % 1000 === 999 ? -1 : (h >>> 4) % (duration + 5_000),
				video_duration_ms: duration,
				position: k,
				surface: surfaces[hs % surfaces.length],
				feed_mode: modes[(hs >>> 11) % 3],
				rec_arm: user % 2 ? 'control' : 'arm_b',
				autoplay: k > 0,
				liked: h % 11 === 0,
				shared: h % 53 === 0,
				commented: h % 97 === 0,
				followed: h % 201 === 0,
				not_interested: h % 37 === 0,
				reported: h % 1009 === 0,
				country: countries[user % 5],
				platform: platforms[user % 3],
				tz_offset_min: ((user % 25) - 12) * 60,
				is_internal: user % 500 === 0
			})}\n`;
			ts += 3_000 + (h % 30_000);
			if (buf.length > 1 << 20) {
				if (!out.write(buf)) await once(out, 'drain');
				buf = '';
			}
		}
		session++;
	}
	out.end(buf);
	await once(out, 'finish');
}

/** The table's columns (minus bookkeeping) as a file() structure, so native parsing does the same typing work. */
function structure(): string {
	return `impression_id String, ts DateTime64(3, 'UTC'), user_id String, session_id String, video_id String, watch_ms Int64,
		video_duration_ms UInt32, position UInt32, surface String, feed_mode String, rec_arm String, autoplay Bool, liked Bool, shared Bool,
		commented Bool, followed Bool, not_interested Bool, reported Bool, country String, platform String, tz_offset_min Nullable(Int16), is_internal Bool`;
}

/** User + system CPU seconds of this process since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
	const d = process.cpuUsage(from);
	return (d.user + d.system) / 1e6;
}

/** The materialized views fed by inserts into `impressions` (the rollups, and views on their tables) and the tables they write into. */
async function rollupViews(): Promise<{ view: string; target: string }[]> {
	const views = (
		await query<{ name: string; q: string }>(
			`SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
			{ tag: 'bench.views' }
		)
	)
		.map((v) => ({
			view: v.name,
			source: /\bFROM\s+(?:\w+\.)?`?(\w+)`?/.exec(v.q)?.[1] ?? '',
			target: /\bTO\s+(?:\w+\.)?`?(\w+)`?/.exec(v.q)?.[1] ?? ''
		}))
		.filter((v) => /^\w+$/.test(v.view) && /^\w+$/.test(v.target));
	const fed = new Set(['impressions']);
	const out: { view: string; target: string }[] = [];
	for (let grew = true; grew; ) {
		grew = false;
		for (const v of views) {
			if (fed.has(v.source) && !out.some((o) => o.view === v.view)) {
				out.push({ view: v.view, target: v.target });
				fed.add(v.target);
				grew = true;
			}
		}
	}
	return out;
}

/**
 * ClickHouse's own load of the file: into a bare copy of `impressions` (no
 * materialized views: the parsing and MergeTree limit), or into `impressions`
 * itself, whose rollup views then run as they do for every ingest.
 */
async function timeNative(path: string, format: string, into: 'copy' | 'impressions'): Promise<{ seconds: number; cpu: number }> {
	const table = into === 'copy' ? 'bench_native' : 'impressions';
	if (into === 'copy') {
		await command(`DROP TABLE IF EXISTS bench_native`, { tag: 'bench.native' });
		await command(`CREATE TABLE bench_native AS impressions`, { tag: 'bench.native' });
	}
	const cols = sources.engagement.columnNames.join(', ');
	const t = performance.now();
	const cpu = process.cpuUsage();
	// Into impressions: blocks of the size ingest commits. With the default (~1 M-row blocks) the user-day
	// view's aggregation of a block needs more than the warehouse's memory cap (LOOPMETER_WAREHOUSE_MEMORY_MB, 1.25 GiB).
	const blocks = into === 'impressions' ? `, min_insert_block_size_rows = ${FAST_PATH_CHUNK_ROWS * FAST_PATH_CHUNKS_PER_INSERT}, min_insert_block_size_bytes = 0` : '';
	// The setting that lets ingest's statements use both cores under the memory cap (boundedStatementSettings): native gets it too.
	const threads = await boundedStatementSettings();
	await command(
		`INSERT INTO ${table} (${cols}, ingest_run_id) SELECT *, 'native' FROM file({path:String}, {format:String}, {structure:String})
		 SETTINGS date_time_input_format = 'best_effort', max_execution_time = 0${blocks}${threads ? `, ${threads}` : ''}`,
		{ tag: 'bench.native', params: { path, format, structure: structure() } }
	);
	const s = (performance.now() - t) / 1000;
	const c = cpuSince(cpu);
	if (into === 'copy') await command(`DROP TABLE bench_native`, { tag: 'bench.native' });
	else for (const t of ['impressions', ...(await rollupViews()).map((v) => v.target)]) await command(`TRUNCATE TABLE ${t}`, { tag: 'bench.reset' });
	return { seconds: s, cpu: c };
}

interface LoopmeterRun {
	seconds: number;
	cpu: number;
	loaded: number;
	rejected: number;
	peakRssMb: number;
	profile: Timing['profile'];
}

/**
 * One Loopmeter ingest of `path` in a child process on a fresh warehouse of
 * its own: what a user's `loopmeter ingest` is. Its peak RSS is then that
 * load's alone (the benchmark process itself has run native loads of the same
 * file, whose memory chDB keeps), and its CPU is measured around ingest()
 * only, like the native loads' around their statement.
 */
async function timeLoopmeter(path: string, dataDir: string, opts: { views: boolean }): Promise<LoopmeterRun> {
	rmSync(dataDir, { recursive: true, force: true });
	const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path, ...(opts.views ? [] : ['--no-views'])];
	const child = spawn(process.execPath, args, {
		stdio: ['ignore', 'pipe', 'inherit'],
		env: { ...process.env, LOOPMETER_DATA: dataDir }
	});
	let out = '';
	child.stdout.on('data', (b: Buffer) => (out += b.toString()));
	const [code] = (await once(child, 'exit')) as [number | null];
	rmSync(dataDir, { recursive: true, force: true });
	const last = out.trim().split('\n').pop() ?? '';
	if (code !== 0 || !last.startsWith('{')) throw new Error(`bench ingest child for ${path} failed (exit ${code}): ${out.slice(-500)}`);
	return JSON.parse(last) as LoopmeterRun;
}

/**
 * The child of timeLoopmeter: ingests the file into LOOPMETER_DATA and prints its figures as one JSON line.
 * `views` false: the rollup views on `impressions` are dropped first, to compare with the bare native load like for like.
 */
async function loopmeterChild(path: string, views: boolean): Promise<void> {
	await getWarehouse({ role: 'loopmeter bench ingest (child)' });
	if (!views) for (const v of await rollupViews()) await command(`DROP VIEW ${v.view}`, { tag: 'bench.views' });
	const t = performance.now();
	const cpu = process.cpuUsage();
	startQueryProfile();
	const [r] = await ingest({ source: 'engagement', paths: [path], quiet: true, actor: 'bench', via: 'bench', maxErrors: '1%' });
	const profile = stopQueryProfile();
	const seconds = (performance.now() - t) / 1000;
	const cpuSeconds = cpuSince(cpu);
	await closeWarehouse();
	if (!r || r.outcome !== 'succeeded') throw new Error(`bench ingest of ${path} did not succeed: ${r?.message}`);
	const run: LoopmeterRun = {
		seconds,
		cpu: cpuSeconds,
		loaded: r.rows_loaded,
		rejected: r.rows_rejected,
		// maxRSS: the process's high-water mark in KiB, as /usr/bin/time reports it.
		peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
		profile
	};
	console.log(JSON.stringify(run));
}

/**
 * Empties `work` and opens a warehouse of its own below it: ingesting millions
 * of synthetic impressions must not touch real or demo data. Returns `work`.
 */
async function freshWarehouse(work: string, role: string): Promise<string> {
	if (isOpen()) throw new Error(`${role} needs its own warehouse: call it before anything opens one`);
	rmSync(work, { recursive: true, force: true });
	mkdirSync(work, { recursive: true });
	process.env.LOOPMETER_DATA = join(work, 'data');
	delete process.env.CLICKHOUSE_URL;
	await getWarehouse({ role });
	return work;
}

/**
 * The headline: per format, Loopmeter's wall time against the bare native load
 * of the same rows in the same format, measured in the same run (the median
 * over repeated runs), beside the issue's target, with peak RSS and the load
 * average at that measurement.
 */
function targetLine(timings: Timing[]): string {
	const parts = formatRatios(timings).map(
		(f) =>
			`${f.format} ${pct(f.wallRatio)} (target ${pct(f.target)}${f.ratios.length > 1 ? `, ${f.ratios.length} runs ${f.ratios.map(pct).join(', ')}` : ''}; peak RSS ${f.peakRssMb} MiB; load average ${f.loads.join(' / ')})`
	);
	return `**Wall time against the bare native load of the same rows:** ${parts.join('; ')}.`;
}

/** One format's headline for the targets table: the median wall ratio against the bare native load, over the runs of this bench. */
export interface FormatRatio {
	format: string;
	wallRatio: number;
	/** Every run's ratio, lowest first. */
	ratios: number[];
	target: number;
	/** CPU ratio (native CPU / Loopmeter CPU), median: steadier than wall on a shared machine. */
	cpuRatio: number;
	peakRssMb: number;
	/** Load average (1, 5, 15 min) at the end of each run. */
	loads: string[];
	rows: number;
}

export function formatRatios(timings: Timing[]): FormatRatio[] {
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
	return Object.keys(TARGETS).flatMap((format) => {
		const runs = timings.filter((t) => t.format.startsWith(format));
		if (!runs.length) return [];
		const ratios = runs.map((t) => t.nativeSeconds / t.loopmeterSeconds).sort((a, b) => a - b);
		return [
			{
				format,
				wallRatio: median(ratios),
				ratios,
				target: TARGETS[format]!,
				cpuRatio: median(runs.map((t) => t.nativeCpu / t.loopmeterCpu)),
				peakRssMb: Math.max(...runs.map((t) => t.peakRssMb)),
				loads: runs.map((t) => t.load),
				rows: runs[0]!.rows
			}
		];
	});
}

/** The NDJSON runs' median CPU ratios (the headline figure: one run on this machine can be off by ±20 %). */
function medianLine(runs: Timing[]): string {
	const median = (xs: number[]) => {
		const s = [...xs].sort((a, b) => a - b);
		return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
	};
	const bare = runs.filter((t) => t.bareCpu !== undefined && t.bareSeconds !== undefined);
	return `NDJSON, median of ${runs.length} run${runs.length > 1 ? 's' : ''}: Loopmeter's CPU ratio ${pct(median(runs.map((t) => t.nativeCpu / t.loopmeterCpu)))} of the native load, ${pct(
		median(runs.map((t) => t.viewsCpu / t.loopmeterCpu))
	)} of the native load with views; wall ${pct(median(runs.map((t) => t.nativeSeconds / t.loopmeterSeconds)))}; ${fmt(median(runs.map((t) => t.rows / t.loopmeterSeconds)))} rows/s; peak RSS ${Math.max(...runs.map((t) => t.peakRssMb))} MiB at most.${
		bare.length
			? ` Like for like, without the views: CPU ${pct(median(bare.map((t) => t.nativeCpu / t.bareCpu!)))}, wall ${pct(median(bare.map((t) => t.nativeSeconds / t.bareSeconds!)))}; with them: CPU ${pct(median(runs.map((t) => t.viewsCpu / t.loopmeterCpu)))}, wall ${pct(median(runs.map((t) => t.viewsSeconds / t.loopmeterSeconds)))}.`
			: ''
	}`;
}

export async function benchIngest(opts: IngestBenchOptions = {}): Promise<{ markdown: string; timings: Timing[] }> {
	const log = opts.log ?? ((s: string) => console.log(s));
	const rows = opts.rows ?? (opts.scale === 'small' || !opts.scale ? 1_000_000 : 5_000_000);
	const work = await freshWarehouse(resolve(opts.out ?? tmpdir(), 'ingest-bench'), 'loopmeter bench ingest');
	try {
		const ndjson = join(work, 'engagement.ndjson');
		log(`generating ${fmt(rows)} engagement rows…`);
		await writeEngagement(ndjson, rows);
		const csv = join(work, 'engagement.csv');
		const parquet = join(work, 'engagement.parquet');
		// The same rows as CSV and Parquet, written by ClickHouse from the NDJSON.
		for (const [path, format] of [
			[csv, 'CSVWithNames'],
			[parquet, 'Parquet']
		] as const) {
			await command(
				`INSERT INTO FUNCTION file({out:String}, {format:String}) SELECT * FROM file({path:String}, 'JSONEachRow', {structure:String})
				 SETTINGS date_time_input_format = 'best_effort', date_time_output_format = 'iso', output_format_csv_crlf_end_of_line = 0, max_execution_time = 0`,
				{ tag: 'bench.convert', params: { out: path, format, path: ndjson, structure: structure() } }
			);
		}
		const timings: Timing[] = [];
		for (const [format, path, native, repeats] of [
			['NDJSON', ndjson, 'JSONEachRow', opts.repeats ?? 3],
			['CSV', csv, 'CSVWithNames', 1],
			['Parquet', parquet, 'Parquet', 1]
		] as const) {
			if (opts.formats && !opts.formats.includes(format)) continue;
			for (let run = 1; run <= repeats; run++) {
				const label = repeats > 1 ? `${format} (run ${run} of ${repeats})` : format;
				log(`${label}: native INSERT … SELECT FROM file()…`);
				const nat = await timeNative(path, native, 'copy');
				const views = await timeNative(path, native, 'impressions');
				log(`${label}: loopmeter ingest (child process, fresh warehouse)…`);
				const lm = await timeLoopmeter(path, join(work, 'loopmeter-data'), { views: true });
				if (format === 'NDJSON') log(`${label}: loopmeter ingest without the rollup views (child process, fresh warehouse)…`);
				const bare = format === 'NDJSON' ? await timeLoopmeter(path, join(work, 'loopmeter-data'), { views: false }) : undefined;
				const t: Timing = {
					format: label,
					rows,
					bytes: statSync(path).size,
					nativeSeconds: nat.seconds,
					viewsSeconds: views.seconds,
					viewsCpu: views.cpu,
					loopmeterSeconds: lm.seconds,
					nativeCpu: nat.cpu,
					loopmeterCpu: lm.cpu,
					loopmeterLoaded: lm.loaded,
					loopmeterRejected: lm.rejected,
					bareSeconds: bare?.seconds,
					bareCpu: bare?.cpu,
					peakRssMb: Math.max(lm.peakRssMb, bare?.peakRssMb ?? 0),
					load: loadNow(),
					profile: lm.profile
				};
				timings.push(t);
				log(
					`${label}: native ${fmt(rows / nat.seconds)} rows/s (into impressions with its rollup views ${fmt(rows / views.seconds)}), loopmeter ${fmt(rows / lm.seconds)} rows/s ` +
						`(${pct(nat.seconds / lm.seconds)} of native, ${pct(views.seconds / lm.seconds)} of native with views; ` +
						`CPU ${nat.cpu.toFixed(1)} s / ${views.cpu.toFixed(1)} s vs ${lm.cpu.toFixed(1)} s = ${pct(nat.cpu / lm.cpu)} / ${pct(views.cpu / lm.cpu)}), peak RSS ${lm.peakRssMb} MiB, load average ${t.load}`
				);
				if (bare) {
					log(
						`${label}: like for like, both without the rollup views: native ${fmt(rows / nat.seconds)} rows/s, loopmeter ${fmt(rows / bare.seconds)} rows/s ` +
							`(${pct(nat.seconds / bare.seconds)}; CPU ${nat.cpu.toFixed(1)} s vs ${bare.cpu.toFixed(1)} s = ${pct(nat.cpu / bare.cpu)}), peak RSS ${bare.peakRssMb} MiB`
					);
				}
			}
		}
		const markdown = [
			`Engagement file of ${fmt(rows)} rows (1 in 1 000 rejected by validation), one fresh embedded warehouse.`,
			'Native = `INSERT … SELECT FROM file()` with the same column types (no validation, dead letters or deduplication) and the setting that lets ingest\'s statements use both cores under the memory cap (`boundedStatementSettings`), into a bare copy of `impressions`; "native + views" = the same into `impressions` itself, whose materialized rollup views run on every insert (Loopmeter pays them too).',
			'Loopmeter = `ingest()` in a child process on a fresh warehouse (what `loopmeter ingest` does; peak RSS is that process\'s high-water mark): byte-level chunking, SQL-side parsing and rule checks (JavaScript re-checks only refused lines), dead letters, existing-key check, chunk commits with resume bookkeeping. NDJSON is measured three times, alternating with the native loads: the machine\'s run-to-run spread is ±20 %.',
			'',
			`CPU = user + system seconds of the process (chDB included): on a shared machine it varies far less than wall time. Load average at the end: ${loadavg()[0]!.toFixed(1)}.`,
			'',
			targetLine(timings),
			'',
			'| format | file | native rows/s | native + views rows/s | loopmeter rows/s | vs native (wall) | vs native + views (wall) | CPU s native / + views / loopmeter | CPU ratio vs native / + views | peak RSS | load average |',
			'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
			...timings.map(
				(t) =>
					`| ${t.format} | ${(t.bytes / 1e6).toFixed(0)} MB | ${fmt(t.rows / t.nativeSeconds)} | ${fmt(t.rows / t.viewsSeconds)} | ${fmt(t.rows / t.loopmeterSeconds)} | ${pct(t.nativeSeconds / t.loopmeterSeconds)} | ${pct(t.viewsSeconds / t.loopmeterSeconds)} | ${t.nativeCpu.toFixed(1)} / ${t.viewsCpu.toFixed(1)} / ${t.loopmeterCpu.toFixed(1)} | ${pct(t.nativeCpu / t.loopmeterCpu)} / ${pct(t.viewsCpu / t.loopmeterCpu)} | ${t.peakRssMb} MiB | ${t.load} |`
			),
			'',
			'Like for like (NDJSON): Loopmeter against the native load into the same kind of table — both into `impressions` with its rollup views, and both without them (Loopmeter on a warehouse whose views on `impressions` were dropped, against the bare copy). The pair without views isolates what validation, deduplication and the run bookkeeping cost; the pair with them is a user\'s load against ClickHouse\'s own load into the same table, where the views\' work, the same on both sides, narrows the gap.',
			'',
			'| run | without views: CPU native / loopmeter | ratio | wall ratio | with views: CPU native / loopmeter | ratio | wall ratio |',
			'|---|---:|---:|---:|---:|---:|---:|',
			...timings
				.filter((t) => t.bareCpu !== undefined && t.bareSeconds !== undefined)
				.map(
					(t) =>
						`| ${t.format} | ${t.nativeCpu.toFixed(1)} / ${t.bareCpu!.toFixed(1)} | ${pct(t.nativeCpu / t.bareCpu!)} | ${pct(t.nativeSeconds / t.bareSeconds!)} | ${t.viewsCpu.toFixed(1)} / ${t.loopmeterCpu.toFixed(1)} | ${pct(t.viewsCpu / t.loopmeterCpu)} | ${pct(t.viewsSeconds / t.loopmeterSeconds)} |`
				),
			'',
			medianLine(timings.filter((t) => t.format.startsWith('NDJSON'))),
			'',
			'Where Loopmeter\'s wall time went (seconds in its statements by tag, waiting included; on the fast path a group\'s commit — insert, stage — runs on a second connection while the next chunks are parsed, so the tags add up to more than the load\'s wall time; the rest is JavaScript: reading, cutting and validating refused lines):',
			'',
			...timings.map(
				(t) =>
					`- ${t.format} (${t.loopmeterSeconds.toFixed(1)} s): ${t.profile
						.slice(0, 6)
						.map((p) => `${p.tag} ${(p.ms / 1000).toFixed(1)}`)
						.join(', ')}`
			),
			'',
			`Rows loaded / dead-lettered by each Loopmeter run: ${timings.map((t) => `${fmt(t.loopmeterLoaded)} / ${fmt(t.loopmeterRejected)}`).join(', ')}.`
		].join('\n');
		log(`\n${markdown}`);
		return { markdown, timings };
	} finally {
		await closeWarehouse();
		rmSync(work, { recursive: true, force: true });
	}
}

/**
 * What each materialized view on `impressions` costs per row. The same
 * engagement rows, in the chunks ingest commits (100 000), are inserted into a
 * Null-engine copy of `impressions` (no storage of its own) with one view
 * attached at a time, writing to an empty copy of its rollup table with merges
 * stopped; then with all of them; each with ClickHouse's default
 * optimize_on_insert and without it (what ingest sends for engagement, see
 * SourceDefinition.insertUnmerged). Insert cost = process CPU minus that of
 * the same inserts with no view (best of `reps`); merge cost = one
 * OPTIMIZE … FINAL of the target afterwards (background merges do this work
 * at least once, usually more).
 *
 *   npx tsx bench/ingest.ts --views [rows]     (default 2 000 000)
 */
export async function benchViews(opts: { rows?: number; out?: string; reps?: number; log?: (s: string) => void } = {}): Promise<string> {
	const log = opts.log ?? ((s: string) => console.log(s));
	const rows = opts.rows ?? 2_000_000;
	const reps = opts.reps ?? 2;
	const work = await freshWarehouse(resolve(opts.out ?? tmpdir(), 'ingest-views-bench'), 'loopmeter bench ingest --views');
	const x = { tag: 'bench.views' };
	try {
		const ndjson = join(work, 'engagement.ndjson');
		await writeEngagement(ndjson, rows);
		// Rows validation would refuse (watch_ms < 0) are left out, as ingest leaves them out.
		await command(
			`CREATE TABLE bench_src ENGINE = Memory AS SELECT *, intDiv(rowNumberInAllBlocks(), 100000) AS chunk
			 FROM file({path:String}, 'JSONEachRow', {structure:String}) WHERE watch_ms >= 0 SETTINGS date_time_input_format = 'best_effort', max_execution_time = 0`,
			{ ...x, params: { path: ndjson, structure: structure() } }
		);
		const [n] = await query<{ rows: string; chunks: string }>(`SELECT toString(count()) AS rows, toString(max(chunk) + 1) AS chunks FROM bench_src`, x);
		const total = Number(n!.rows);
		const views = (
			await query<{ name: string; q: string; target: string }>(
				`SELECT name, as_select AS q, create_table_query AS target FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name`,
				x
			)
		)
			.filter((v) => /\bFROM\s+(\w+\.)?`?impressions`?(\s|$)/.test(v.q))
			.map((v) => ({ name: v.name, select: v.q.replace(/\bFROM\s+(\w+\.)?`?impressions`?(?=\s|$)/, 'FROM bench_null'), target: /\bTO\s+(?:\w+\.)?`?(\w+)`?/.exec(v.target)?.[1] }))
			.filter((v): v is { name: string; select: string; target: string } => !!v.target && /^\w+$/.test(v.target) && /^\w+$/.test(v.name));
		const cols = sources.engagement.columnNames.join(', ');
		const run = async (attached: typeof views, settings: string) => {
			await command(`DROP TABLE IF EXISTS bench_null`, x);
			await command(`CREATE TABLE bench_null AS impressions ENGINE = Null`, x);
			for (const [i, v] of attached.entries()) {
				await command(`CREATE TABLE bench_t${i} AS ${v.target}`, x);
				await command(`SYSTEM STOP MERGES bench_t${i}`, x);
				await command(`CREATE MATERIALIZED VIEW bench_mv${i} TO bench_t${i} AS ${v.select}`, x);
			}
			const cpu = process.cpuUsage();
			for (let k = 0; k < Number(n!.chunks); k++) await command(`INSERT INTO bench_null (${cols}) SETTINGS ${settings} SELECT ${cols} FROM bench_src WHERE chunk = ${k}`, x);
			const insert = cpuSince(cpu);
			const mcpu = process.cpuUsage();
			for (const i of attached.keys()) {
				await command(`SYSTEM START MERGES bench_t${i}`, x);
				await command(`OPTIMIZE TABLE bench_t${i} FINAL SETTINGS max_execution_time = 0`, x);
			}
			const merge = cpuSince(mcpu);
			for (const i of attached.keys()) {
				await command(`DROP VIEW bench_mv${i}`, x);
				await command(`DROP TABLE bench_t${i}`, x);
			}
			return { insert, merge };
		};
		const configs = [...views.map((v) => ({ label: v.name, attached: [v] })), { label: 'all views', attached: views }];
		const lines = [
			`Rollup views on impressions: ${fmt(total)} engagement rows in chunks of 100 000 into a Null copy of impressions; CPU µs a row (process CPU minus the same inserts with no view, best of ${reps}); merge = one OPTIMIZE FINAL of the target.`,
			'',
			'| view | insert, optimize_on_insert = 1 | insert, optimize_on_insert = 0 | merge |',
			'|---|---:|---:|---:|'
		];
		const best = new Map<string, { insert: number; merge: number }>();
		for (const settings of ['optimize_on_insert = 1', 'optimize_on_insert = 0']) {
			for (let r = 0; r < reps; r++) {
				const bare = await run([], settings);
				for (const c of configs) {
					const t = await run(c.attached, settings);
					const key = `${c.label}|${settings}`;
					const prev = best.get(key);
					const cost = { insert: t.insert - bare.insert, merge: t.merge };
					best.set(key, prev ? { insert: Math.min(prev.insert, cost.insert), merge: Math.min(prev.merge, cost.merge) } : cost);
				}
			}
		}
		const us = (s: number | undefined) => (s === undefined ? '–' : ((s * 1e6) / total).toFixed(2));
		for (const c of configs) {
			const on = best.get(`${c.label}|optimize_on_insert = 1`);
			const off = best.get(`${c.label}|optimize_on_insert = 0`);
			lines.push(`| ${c.label} | ${us(on?.insert)} | ${us(off?.insert)} | ${us(off?.merge)} |`);
		}
		const markdown = lines.join('\n');
		log(markdown);
		return markdown;
	} finally {
		await closeWarehouse();
		rmSync(work, { recursive: true, force: true });
	}
}
export default benchIngest;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	if (process.argv[2] === '--child') await loopmeterChild(process.argv[3]!, process.argv[4] !== '--no-views');
	else if (process.argv[2] === '--views') await benchViews({ rows: process.argv[3] ? Number(process.argv[3]) : undefined });
	else {
		const rows = process.argv[2] ? Number(process.argv[2]) : undefined;
		const repeats = process.argv[3] ? Number(process.argv[3]) : undefined;
		const formats = process.argv[4] ? (process.argv[4].split(',') as IngestBenchOptions['formats']) : undefined;
		await benchIngest({ rows, repeats, formats });
	}
}
