import { join } from 'node:path';
import type { IngestReport, IngestSource } from '../../src/lib/contracts/ingest.js';
import { readConfig } from '../../src/lib/server/config.js';
import { generate, type GeneratedFile, type GenerateResult } from './generate.js';
import { DEFAULT_DAYS } from './scenario.js';

export { SCENARIO, storyFor, type Story } from './scenario.js';

export type DemoScale = 'small' | 'medium' | 'large';

/** Users per scale. Small is what `loopmeter serve` loads into an empty warehouse (must stay well under 60 s). */
export const SCALE_USERS: Record<DemoScale, number> = { small: 3000, medium: 5000, large: 20_000 };
/**
 * Impressions per user of the bulk scales (medium 10 M, large 100 M at their default users): heavier
 * viewers rather than more accounts, so the file part (videos, jobs, Stripe) stays quick to ingest.
 */
export const BULK_IMPRESSIONS_PER_USER: Record<Exclude<DemoScale, 'small'>, number> = { medium: 2000, large: 5000 };

export interface DemoFilesOptions {
	seed?: number;
	days?: number;
	users?: number;
	scale?: DemoScale;
	outDir: string;
	/** Skip the engagement files (medium/large insert impressions in the warehouse instead). */
	withoutEngagement?: boolean;
	onProgress?: (message: string) => void;
}

export const DEFAULT_SEED = 42;

/**
 * Writes the scenario's files (formats of docs/data.md: NDJSON for videos, jobs and
 * Stripe events; CSV for users, fleet, engagement and ad revenue). Same options
 * → byte-identical files.
 */
export async function generateDemoFiles(opts: DemoFilesOptions): Promise<{ files: { source: IngestSource; path: string; rows: number }[]; impressions: number }> {
	const result = generateScenario(opts);
	return { files: result.files, impressions: result.impressions };
}

function generateScenario(opts: DemoFilesOptions): GenerateResult {
	const users = opts.users ?? SCALE_USERS[opts.scale ?? 'small'];
	return generate({
		seed: opts.seed ?? DEFAULT_SEED, days: opts.days ?? DEFAULT_DAYS, users, outDir: opts.outDir,
		engagement: !opts.withoutEngagement, onProgress: opts.onProgress
	});
}

export interface RunDemoOptions {
	seed?: number;
	scale?: DemoScale;
	days?: number;
	users?: number;
	/** Where the files go (default <LOOPMETER_DATA>/demo-files). */
	outDir?: string;
	onProgress?: (message: string) => void;
}

export interface RunDemoResult {
	impressions: number;
	seconds: number;
	reports: IngestReport[];
	/** Bulk scales: seconds the INSERT … SELECT of impressions took. */
	bulkSeconds?: number;
}

/** Files load in this order: fleet rows against the price sheets, jobs against the fleet, consent revocations restate videos. */
const LOAD_ORDER: IngestSource[] = ['gpu_price_sheets', 'gpu_fleet', 'users', 'videos', 'generation_jobs', 'engagement', 'ad_revenue', 'fx_rates', 'stripe_events', 'gpu_invoices', 'budgets'];

/**
 * Generates the scenario and loads it through the real ingest path (the same
 * `ingest()` as `loopmeter ingest`, and the Stripe event-file loader), so the
 * demo exercises validation, deduplication and ingest bookkeeping. Loading
 * the same seed twice changes nothing.
 */
export async function runDemo(opts: RunDemoOptions = {}): Promise<RunDemoResult> {
	const started = Date.now();
	const say = opts.onProgress ?? (() => {});
	const outDir = opts.outDir ?? join(readConfig().dataDir, 'demo-files');
	const scale = opts.scale ?? 'small';
	const seed = opts.seed ?? DEFAULT_SEED;
	say(`generating the demo scenario (scale ${scale}, seed ${seed}) into ${outDir}`);
	const bulk = scale !== 'small';
	const generated = generateScenario({ ...opts, seed, scale, outDir, withoutEngagement: bulk, onProgress: say });
	return withBatchTimeout(async () => {
		const { loadRateCorrection, fleetLoadedBefore } = await import('./rate-correction.js');
		// On a warehouse the demo already loaded, the corrected fleet takes the first fleet's place
		// (identical rows: nothing changes); on a fresh one the story is played: load, close, correct.
		const again = await fleetLoadedBefore();
		const corrections = generated.files.filter((f) => f.correctsClosedMonth);
		const inOrder = again ? generated.files.filter((f) => f.source !== 'gpu_fleet' || f.correctsClosedMonth) : generated.files.filter((f) => !f.correctsClosedMonth);
		const reports = await loadDemoFiles(inOrder, say);
		if (!again) for (const f of corrections) reports.push(...(await loadRateCorrection(f, say)));
		const { addStoryAnnotations } = await import('./annotations.js');
		const annotated = await addStoryAnnotations(generated.story);
		if (annotated) say(`annotations: ${annotated} story events marked on the charts`);
		if (!bulk) return { impressions: generated.impressions, seconds: (Date.now() - started) / 1000, reports };
		const { insertBulkImpressions } = await import('./bulk.js');
		const target = generated.users.length * BULK_IMPRESSIONS_PER_USER[scale];
		const result = await insertBulkImpressions({ seed, story: generated.story, users: generated.users, videos: generated.videos, paying: generated.paying, targetImpressions: target, onProgress: say });
		say(`bulk: ${result.impressions.toLocaleString('en-US')} impressions inserted in ${result.seconds.toFixed(1)} s (${Math.round(result.impressions / result.seconds).toLocaleString('en-US')} rows/s)`);
		return { impressions: result.impressions, seconds: (Date.now() - started) / 1000, reports, bulkSeconds: result.seconds };
	});
}

/**
 * The demo load is a batch job: the interactive query limit (LOOPMETER_QUERY_TIMEOUT_MS,
 * 30 s by default) protects dashboards, and on a busy 2-core machine a videos insert (the
 * near-duplicate materialized view joins each block with every stored signature) or a
 * 10 M-row bulk insert can exceed it. Embedded chDB keeps SET for the rest of the
 * process (a lock inside chDB), so the limit is raised for the load and restored after it.
 * A server applies settings per request and has its own limits: nothing to do there.
 */
async function withBatchTimeout<T>(fn: () => Promise<T>): Promise<T> {
	const { getWarehouse, command } = await import('../../src/lib/server/warehouse/index.js');
	const wh = await getWarehouse({ role: 'loopmeter demo' });
	if (wh.mode !== 'embedded') return fn();
	await command('SET max_execution_time = 3600', { tag: 'demo.batch-timeout' });
	try {
		return await fn();
	} finally {
		await command(`SET max_execution_time = ${Math.ceil(wh.config.LOOPMETER_QUERY_TIMEOUT_MS / 1000)}`, { tag: 'demo.batch-timeout' });
	}
}

export async function loadDemoFiles(files: GeneratedFile[], say: (m: string) => void): Promise<IngestReport[]> {
	const { ingest } = await import('../index.js');
	const reports: IngestReport[] = [];
	for (const source of LOAD_ORDER) {
		// An empty file (e.g. no consent revocations in a tiny scenario) is refused by ingest: nothing to load.
		for (const f of files.filter((x) => x.source === source && x.rows > 0)) {
			const t = Date.now();
			const out = await ingest({ source, paths: [f.path], quiet: true, actor: 'demo', via: 'demo' });
			for (const r of out) {
				if (r.outcome !== 'succeeded') throw new Error(`demo: loading ${f.path} ${r.outcome}: ${r.message} ${JSON.stringify(r.examples.slice(0, 2))}`);
				say(`loaded ${source} ${r.file}: ${r.rows_loaded.toLocaleString('en-US')} rows (${r.rows_duplicate} already there, ${r.rows_rejected} rejected) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
			}
			reports.push(...out);
		}
	}
	return reports;
}
