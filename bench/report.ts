import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LoadResult } from './load.js';
import type { ThinkResult } from './think.js';
import type { Machine } from './machine.js';
import type { PagesResult } from './pages.js';
import type { QueriesResult } from './queries.js';
import type { DayTableBuild } from '../src/lib/server/metrics/day-tables.js';
import type { PageBundle } from './size.js';
import { FRESHNESS_TARGET_SECONDS, type FreshnessResult } from './freshness.js';
import type { CaptionsResult } from './captions.js';
import type { FormatRatio } from './ingest.js';
import { bytes, ms, pct } from './stats.js';
import type { BenchPaths } from './paths.js';
import { projectRoot } from '../src/lib/server/project-root.js';
import { DEFAULT_WAREHOUSE_MEMORY_MB } from '../src/lib/server/config.js';

/** Every phase stores its figures as JSON beside the machine they were measured on. */
export interface PhaseRecord<T> {
	phase: string;
	machine: Machine;
	scale?: string;
	data: T;
}

export interface GenerateResult {
	scale: string;
	seconds: number;
	source: string;
	rows: Record<string, number>;
	/** Built right after generating, as a served dashboard does after an ingest. */
	dayTables?: DayTableBuild[];
	dayTablesSeconds?: number;
	/** The day tables that did not build, with the engine's reason (e.g. the memory cap). */
	dayTableFailures?: string[];
	/** The embedded warehouse's memory cap (MiB) they were built under; 0 = the engine's default. */
	memoryCapMb?: number;
}

function dayTablesTable(builds: DayTableBuild[]): string[] {
	return [
		row(['day table', 'rows', 'built in']),
		row(['---', '---:', '---:']),
		...builds.map((b) => row([`day_${b.source}` + (b.mode === 'days' ? ` (${b.days.length} day${b.days.length === 1 ? '' : 's'})` : ''), b.rows.toLocaleString('en-US'), `${b.seconds.toFixed(1)} s`])),
		''
	];
}

export interface SizeResult {
	warehouseBytes: number;
	tables: { table: string; rows: number; bytesOnDisk: number }[];
	bundles: PageBundle[];
	serverRssIdleBytes?: number;
}

export interface IngestRecord {
	markdown: string;
	/** Per format, the wall ratio against the bare native load (absent in records written before 2026-12-08). */
	formats?: FormatRatio[];
}

export function savePhase<T>(paths: BenchPaths, record: PhaseRecord<T>): void {
	writeFileSync(join(paths.results, `${record.phase}.json`), JSON.stringify(record, null, 2));
}

export function loadPhase<T>(paths: BenchPaths, phase: string): PhaseRecord<T> | undefined {
	const f = join(paths.results, `${phase}.json`);
	return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as PhaseRecord<T>) : undefined;
}

// The targets of the performance brief (2 cores, 24 GiB, 100 M impressions).
export const TARGETS = {
	panelP95Ms: 100,
	rollupSpeedup: 30,
	pageServerMs: 300,
	loadP95Ms: 300,
	/** Think-time model (issue 19): default views p95, uncached views p95. */
	thinkDefaultP95Ms: 300,
	thinkUncachedP95Ms: 2_000,
	/** Closed-loop capacity run (no think time): warm pages per second on 2 cores. */
	capacityPerS: 150,
	rssBytes: 2 * 1024 ** 3,
	jsGzipBytes: 250 * 1000
};

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const when = (r: PhaseRecord<unknown>) =>
	`${r.machine.date.slice(0, 16).replace('T', ' ')} UTC, commit ${r.machine.commit}${r.scale ? `, scale ${r.scale}` : ''}${
		r.machine.loadAvg1 !== undefined ? `, load average ${r.machine.loadAvg1.toFixed(1)} on ${r.machine.cpus} cores at the end` : ''
	}`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
/** Built under the production default cap or a smaller one: a lifted cap (0) or an unrecorded one proves nothing. */
const withinDefaultCap = (capMb: number | undefined) => capMb !== undefined && capMb > 0 && capMb <= DEFAULT_WAREHOUSE_MEMORY_MB;
/** Scale and load average of a phase, beside its figure in the targets table: a busy machine's figure is an upper bound. */
const loadNote = (r: PhaseRecord<unknown>) =>
	[r.scale ? `scale ${r.scale}` : '', r.machine.loadAvg1 !== undefined ? `load average ${r.machine.loadAvg1.toFixed(1)} on ${r.machine.cpus} cores` : ''].filter(Boolean).join(', ');

/** Assembles bench/results.md from the latest record of every phase, plus bench/notes.md. */
export function writeReport(paths: BenchPaths): string {
	const gen = loadPhase<GenerateResult>(paths, 'generate');
	const ingest = loadPhase<IngestRecord>(paths, 'ingest');
	const queries = loadPhase<QueriesResult>(paths, 'queries');
	const pages = loadPhase<PagesResult>(paths, 'pages');
	const load = loadPhase<LoadResult>(paths, 'load');
	const think = loadPhase<ThinkResult>(paths, 'think');
	const size = loadPhase<SizeResult>(paths, 'size');
	const freshness = loadPhase<FreshnessResult>(paths, 'freshness');
	const captions = loadPhase<CaptionsResult>(paths, 'captions');
	const any = gen ?? queries ?? pages ?? load ?? size ?? ingest ?? freshness;
	const out: string[] = ['# Loopmeter benchmark results', ''];
	out.push('Written by `npm run bench` (`loopmeter bench`); every section names when and at which commit it was measured. Compare runs only on the same machine.', '');
	if (any) {
		const m = any.machine;
		out.push('## Machine', '', `- ${m.cpus} × ${m.cpuModel}, ${bytes(m.ramBytes)} RAM, Node ${m.node}`, `- Embedded warehouse (chDB) in \`${relative(projectRoot(), paths.data) || paths.data}\``, '');
	}

	out.push('## Targets', '', row(['target', 'goal', 'measured', '']), row(['---', '---', '---', '---']));
	const built = gen?.data.dayTables;
	if (gen && built) {
		const g = gen.data;
		const failed = g.dayTableFailures ?? [];
		const cap = g.memoryCapMb === undefined ? 'memory cap not recorded' : g.memoryCapMb === 0 ? 'no memory cap (0)' : `${g.memoryCapMb} MiB cap`;
		out.push(
			row([
				'day tables build within memory',
				'every one, default cap',
				`${built.length} built in ${(g.dayTablesSeconds ?? 0).toFixed(0)} s under ${cap}${failed.length ? `; ${failed.length} failed: ${failed.join('; ').replaceAll('|', '\\|').slice(0, 300)}` : ''} (${loadNote(gen)})`,
				verdict(failed.length === 0 && withinDefaultCap(g.memoryCapMb))
			])
		);
	}
	if (queries) {
		const ok = queries.data.timings.filter((t) => !t.error);
		const worst = ok.reduce((a, t) => Math.max(a, t.served.p95Ms), 0);
		const over = ok.filter((t) => t.served.p95Ms >= TARGETS.panelP95Ms).length;
		out.push(row(['panel query p95, warm', `< ${TARGETS.panelP95Ms} ms`, `worst ${ms(worst)} ms; ${over} of ${ok.length} requests over`, verdict(over === 0)]));
		const pairs = ok.filter((t) => t.raw);
		const slow = pairs.filter((t) => t.raw!.p50Ms / t.served.p50Ms < TARGETS.rollupSpeedup).length;
		const min = pairs.reduce((a, t) => Math.min(a, t.raw!.p50Ms / t.served.p50Ms), Infinity);
		out.push(row(['rollup vs raw', `≥ ${TARGETS.rollupSpeedup}×`, pairs.length ? `min ×${min.toFixed(1)}; ${slow} of ${pairs.length} pairs under` : 'no request served by a rollup', verdict(pairs.length > 0 && slow === 0)]));
	}
	if (pages) {
		const worst = pages.data.pages.reduce((a, p) => Math.max(a, p.htmlP95Ms), 0);
		out.push(row(['page server time (HTML, p95)', `< ${TARGETS.pageServerMs} ms`, `worst ${ms(worst)} ms`, verdict(worst < TARGETS.pageServerMs)]));
	}
	if (load) {
		const l = load.data;
		out.push(row(['load test p95, 0 errors', `< ${TARGETS.loadP95Ms} ms`, `${ms(l.p95Ms)} ms, ${l.errors} errors`, verdict(l.p95Ms < TARGETS.loadP95Ms && l.errors === 0)]));
		out.push(row(['server RSS', `< ${bytes(TARGETS.rssBytes)}`, `peak ${bytes(l.serverRssPeakBytes)}`, verdict(l.serverRssPeakBytes < TARGETS.rssBytes)]));
		out.push(row(['capacity (no think time), warm pages', `≥ ${TARGETS.capacityPerS}/s`, `${l.throughputPerS.toFixed(1)}/s with ${l.viewers} viewers (${loadNote(load)})`, verdict(l.throughputPerS >= TARGETS.capacityPerS)]));
	}
	if (think) {
		const t = think.data;
		const at = `load average ${t.loadAvg.after.toFixed(1)}${think.scale ? `, scale ${think.scale}` : ''}`;
		out.push(row(['think-time: default views p95', `< ${TARGETS.thinkDefaultP95Ms} ms`, `${ms(t.default.p95Ms)} ms (${at})`, verdict(t.default.p95Ms < TARGETS.thinkDefaultP95Ms)]));
		out.push(row(['think-time: uncached views p95', `< ${TARGETS.thinkUncachedP95Ms / 1000} s`, `${ms(t.uncached.p95Ms)} ms`, verdict(t.uncached.p95Ms < TARGETS.thinkUncachedP95Ms)]));
		out.push(row(['think-time: errors; defaults slowed by others', '0; none', `${t.errors}; ${t.slowedDefaults} of ${t.defaultBesideUncached.n} beside an uncached view over ${TARGETS.thinkDefaultP95Ms} ms`, verdict(t.errors === 0 && t.slowedDefaults === 0)]));
	}
	for (const f of ingest?.data.formats ?? []) {
		const runs = f.ratios.length > 1 ? `median of ${f.ratios.length} runs ${f.ratios.map(pct).join(', ')}` : '1 run';
		out.push(
			row([
				`ingest ${f.format} vs bare native load (wall)`,
				`≥ ${pct(f.target)}, RSS < 1 GiB`,
				`${pct(f.wallRatio)} (${runs}; CPU ${pct(f.cpuRatio)}; ${f.rows.toLocaleString('en-US')} rows; peak RSS ${f.peakRssMb} MiB; load average ${f.loads.join(' / ')})`,
				verdict(f.wallRatio >= f.target && f.peakRssMb < 1024)
			])
		);
	}
	if (size?.data.bundles.length) {
		const worst = size.data.bundles.reduce((a, b) => Math.max(a, b.jsGzipBytes), 0);
		out.push(row(['JS per page (gzip)', `< ${TARGETS.jsGzipBytes / 1000} KB`, `worst ${(worst / 1000).toFixed(1)} KB`, verdict(worst < TARGETS.jsGzipBytes)]));
	}
	if (freshness) {
		const f = freshness.data;
		const ok = f.allCurrentAfter && f.refreshSeconds <= FRESHNESS_TARGET_SECONDS;
		const measured = `${f.refreshSeconds.toFixed(1)} s after a ${f.impressions.toLocaleString('en-US')}-impression day${f.allCurrentAfter ? '' : ', not every table current'} (load average ${f.loadAvg.afterRefresh.toFixed(1)})`;
		out.push(row(['day tables fresh after a daily load', `≤ ${FRESHNESS_TARGET_SECONDS} s`, measured, verdict(ok)]));
	}
	out.push('');

	const notes = join(paths.report, '..', 'notes.md');
	if (existsSync(notes)) out.push(readFileSync(notes, 'utf8').trim(), '');

	if (gen) {
		out.push('## 1. Demo generation', '', `_${when(gen)}_`, '');
		out.push(`Generated with ${gen.data.source} in **${gen.data.seconds.toFixed(0)} s**.`, '');
		out.push(row(['table', 'rows']), row(['---', '---:']));
		for (const [t, n] of Object.entries(gen.data.rows)) if (typeof n === 'number') out.push(row([t, n.toLocaleString('en-US')]));
		out.push('');
		if (gen.data.dayTables?.length) {
			out.push(`Then the day tables (metric base files computed once per ingest; \`src/lib/server/metrics/day-tables.ts\`), in **${(gen.data.dayTablesSeconds ?? 0).toFixed(0)} s**:`, '');
			out.push(...dayTablesTable(gen.data.dayTables));
		}
	}
	if (ingest) out.push('## Ingest', '', `_${when(ingest)}_`, '', ingest.data.markdown.trim(), '');
	if (queries) {
		const q = queries.data;
		out.push('## 2. Panel queries', '', `_${when(queries)}_`, '');
		out.push(
			`Every registered metric over the pages' default period (${q.period.from} .. ${q.period.to}, exclusive): the tile total, the daily series, and daily breakdowns by the metric's leading dimensions. Wall time of \`runMetric\` (query + JSON), ms. Cold = first run after dropping ClickHouse's mark and block caches (the OS page cache stays warm); p50/p95 over ${q.repeats} warm repeats (one warm run when the cold run took over 5 s). "served" reads the rollups and the day tables where the request allows; "raw" is the same request forced onto the raw tables (\`forceRaw\`: no rollup, no day table) in the same run; ×: raw p50 / served p50.`,
			''
		);
		if (q.dayTables?.length) out.push('The day tables were rebuilt before timing (they did not match the data or the code):', '', ...dayTablesTable(q.dayTables));
		out.push(row(['metric', 'request', 'source', 'cold', 'p50', 'p95', 'raw cold', 'raw p50', 'raw p95', '×']));
		out.push(row(['---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
		for (const t of q.timings) {
			if (t.error) {
				out.push(row([t.metric, t.request, `failed: ${t.error.replaceAll('|', '\\|')}`, '', '', '', '', '', '', '']));
				continue;
			}
			const s = t.served;
			const r = t.raw;
			out.push(
				row([
					t.metric,
					t.request,
					s.file.replace('sql/metrics/', '') + (s.dayTables?.length ? ' (day table)' : s.rollup && !s.file.includes('rollup_') ? ' (rollup)' : ''),
					ms(s.coldMs),
					ms(s.p50Ms),
					s.p95Ms >= TARGETS.panelP95Ms ? `**${ms(s.p95Ms)}**` : ms(s.p95Ms),
					r ? ms(r.coldMs) : '',
					r ? ms(r.p50Ms) : '',
					r ? ms(r.p95Ms) : '',
					r ? `×${(r.p50Ms / s.p50Ms).toFixed(1)}` : t.rawError ? `raw failed: ${t.rawError.replaceAll('|', '\\|')}` : 'no rollup'
				])
			);
		}
		out.push('');
	}
	if (pages) {
		out.push('## 3. Pages', '', `_${when(pages)}_`, '');
		out.push(`Production build served by \`loopmeter serve\` on 127.0.0.1. Server time = time to the last byte (panels stream), p50/p95 over ${pages.data.repeats} requests after one warm-up. Chromium = navigation to network idle in headless Debian Chromium: first visit with an empty cache, then the median of two more visits.`, '');
		out.push(row(['page', 'HTTP', 'HTML p50', 'HTML p95', '__data.json p50', '__data.json p95', 'HTML size', 'Chromium first', 'Chromium later']));
		out.push(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
		for (const p of pages.data.pages) {
			out.push(row([p.page, p.status, ms(p.htmlP50Ms), ms(p.htmlP95Ms), ms(p.dataP50Ms), ms(p.dataP95Ms), bytes(p.htmlBytes), p.browserColdMs !== undefined ? ms(p.browserColdMs) : (p.browserError ?? '–'), p.browserWarmMs !== undefined ? ms(p.browserWarmMs) : '–']));
		}
		out.push('');
	}
	if (load) {
		const l = load.data;
		out.push('## 4. Load test', '', `_${when(load)}_`, '');
		out.push(`${l.viewers} simulated viewers, ${l.seconds.toFixed(0)} s, no think time, keep-alive; each opens a page (HTML) then navigates client-side to the next (its \`__data.json\`), over ${l.pages.length} pages. The load generator shares the machine's cores with the server.`, '');
		out.push(row(['requests', 'throughput', 'p50', 'p95', 'p99', 'max', 'errors', 'server RSS peak', 'RSS after']));
		out.push(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
		out.push(row([l.requests, `${l.throughputPerS.toFixed(1)}/s`, `${ms(l.p50Ms)} ms`, `${ms(l.p95Ms)} ms`, `${ms(l.p99Ms)} ms`, `${ms(l.maxMs)} ms`, l.errors, bytes(l.serverRssPeakBytes), bytes(l.serverRssAfterBytes)]));
		if (l.errorSamples.length) out.push('', `Error samples: ${l.errorSamples.map((e) => `\`${e}\``).join(', ')}`);
		out.push('');
	}
	if (think) out.push(...thinkSection(think));
	if (size) {
		const s = size.data;
		out.push('## 5. Memory and disk', '', `_${when(size)}_`, '');
		out.push(`Warehouse on disk: **${bytes(s.warehouseBytes)}**${s.serverRssIdleBytes ? `; server RSS idle after start: ${bytes(s.serverRssIdleBytes)}` : ''}.`, '');
		out.push(row(['table', 'rows', 'on disk']), row(['---', '---:', '---:']));
		for (const t of s.tables) out.push(row([t.table, t.rows.toLocaleString('en-US'), bytes(t.bytesOnDisk)]));
		out.push('');
		out.push('## 6. JS per page', '', 'First-visit JS of each route (client entry + layouts + page node + static imports; lazy chunks excluded), gzip -9 file by file.', '');
		if (!s.bundles.length) out.push('No production build found (`build/` and `.svelte-kit/output`).', '');
		else {
			out.push(row(['route', 'files', 'JS', 'JS gzip', 'CSS gzip']), row(['---', '---:', '---:', '---:', '---:']));
			for (const b of s.bundles) out.push(row([b.route, b.jsFiles, bytes(b.jsBytes), b.jsGzipBytes >= TARGETS.jsGzipBytes ? `**${bytes(b.jsGzipBytes)}**` : bytes(b.jsGzipBytes), bytes(b.cssGzipBytes)]));
			out.push('');
		}
	}
	if (freshness) out.push(...freshnessSection(freshness));
	if (captions) {
		const c = captions.data;
		out.push(
			'## 8. Near-duplicates: one caption shared by 50 k videos',
			'',
			`_${when(captions)}_`,
			'',
			`${c.videos.toLocaleString('en-US')} videos with the same caption loaded through ingest in **${c.loadSeconds.toFixed(1)} s** (every view on videos included); ` +
				`the near-duplicate relation then read in ${c.readSeconds.toFixed(2)} s: ${c.duplicates.toLocaleString('en-US')} duplicates from ${c.captionRows} caption row(s) and ${c.pairRows} caption pair(s) ` +
				`(kept between videos, as before migration 0070, they were ${((c.videos * (c.videos - 1)) / 2).toLocaleString('en-US')} pairs). ` +
				`Load average ${c.loadAvg.before.toFixed(1)} before, ${c.loadAvg.after.toFixed(1)} after.`,
			''
		);
	}
	const text = out.join('\n');
	writeFileSync(paths.report, text);
	return text;
}

function freshnessSection(r: PhaseRecord<FreshnessResult>): string[] {
	const f = r.data;
	const la = f.loadAvg;
	return [
		'## 7. Freshness after a daily load',
		'',
		`_${when(r)}_`,
		'',
		`${f.impressions.toLocaleString('en-US')} impressions (a copy of ${f.copiedDay}, the busiest recent day) appended as ${f.newDay} through ingest in ${f.loadSeconds.toFixed(1)} s; ` +
			`then every day table matched the data again after **${f.refreshSeconds.toFixed(1)} s**${f.allCurrentAfter ? '' : ' — **not every table was current** (' + f.failures.join('; ') + ')'}. ` +
			`Load average (1 min, ${r.machine.cpus} cores): ${la.before.toFixed(1)} before the load, ${la.afterLoad.toFixed(1)} after it, ${la.afterRefresh.toFixed(1)} after the refresh.` +
			(f.currentBefore ? '' : ` The day tables did not match the data before the load; a catch-up refresh took ${f.catchUpSeconds.toFixed(0)} s first (not counted).`),
		'',
		...panelsFreshness(f),
		...dayTablesTable(f.builds)
	];
}

/** When the panels of the default period and the one before read day tables again, per day and by whole table. */
function panelsFreshness(f: FreshnessResult): string[] {
	if (!f.panels?.length) return [];
	const s = (x: number | null) => (x === null ? 'not before the refresh ended' : `${x.toFixed(1)} s`);
	return [
		'| period | metrics reading day tables | reads them again after the load, validity per day | by whole table |',
		'|---|---:|---:|---:|',
		...f.panels.map((p) => `| ${p.period} (${p.from} – ${p.to}) | ${p.metrics} | ${s(p.perDaySeconds)} | ${s(p.wholeTableSeconds)} |`),
		''
	];
}

/** The think-time load model beside the capacity run: what people meet when they read before clicking. */
export function thinkSection(r: PhaseRecord<ThinkResult>): string[] {
	const t = r.data;
	const lat = (name: string, l: ThinkResult['default']) => row([name, l.n, `${ms(l.p50Ms)} ms`, `${ms(l.p95Ms)} ms`, `${ms(l.maxMs)} ms`]);
	return [
		'## 4b. Think-time load test',
		'',
		`_${when(r)}_`,
		'',
		`${t.viewers} different people (each signed in as their own account, so each has their own query slots) for ${t.seconds.toFixed(0)} s over ${t.pages.length} pages: ` +
			'each opens a page, reads it 2–10 s (uniformly at random), then opens another; 80 % of navigations are default views, 20 % a random period of 7–182 days at a random grain ' +
			'(pages take no group-by in the URL). The first page is HTML, later ones client-side navigations (`__data.json`) sent with the ETag the viewer holds for that URL. ' +
			`${t.navigations} navigations, ${t.errors} errors, ${t.notModified} answered 304. Load average (1 min) ${t.loadAvg.before.toFixed(1)} before, ${t.loadAvg.after.toFixed(1)} after. The load generator shares the machine's cores with the server.`,
		'',
		row(['views', 'n', 'p50', 'p95', 'max']),
		row(['---', '---:', '---:', '---:', '---:']),
		lat('default views', t.default),
		lat('uncached views (random period and grain)', t.uncached),
		lat('default views while another viewer’s uncached view ran', t.defaultBesideUncached),
		lat('default views with no uncached view running', t.defaultAlone),
		'',
		`Default views over ${TARGETS.thinkDefaultP95Ms} ms while someone else's uncached view ran: **${t.slowedDefaults}** of ${t.defaultBesideUncached.n}.` +
			(t.errorSamples.length ? ` Error samples: ${t.errorSamples.map((e) => `\`${e}\``).join(', ')}.` : ''),
		''
	];
}
