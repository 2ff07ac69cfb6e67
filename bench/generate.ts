import { DayTablesError, refreshDayTables } from '../src/lib/server/metrics/day-tables.js';
import { command, query } from '../src/lib/server/warehouse/index.js';
import { readConfig } from '../src/lib/server/config.js';
import { loadMigrations } from '../src/lib/server/warehouse/migrate.js';
import { liveTablesOf } from '../src/lib/server/warehouse/render-ddl.js';
import type { GenerateResult } from './report.js';
import { fixtureInserts, type SyntheticSize } from './synthetic.js';

export type Scale = 'small' | 'medium' | 'large';

// Synthetic sizes roughly follow the demo's proportions (impressions per user
// per day, videos per impression), so rollup and query figures are comparable.
const SYNTHETIC: Record<Scale, SyntheticSize> = {
	small: { impressions: 1_000_000, users: 20_000, videos: 50_000, jobs: 100_000, days: 180 },
	medium: { impressions: 10_000_000, users: 200_000, videos: 500_000, jobs: 1_000_000, days: 180 },
	large: { impressions: 100_000_000, users: 2_000_000, videos: 5_000_000, jobs: 10_000_000, days: 180 }
};

export async function generate(scale: Scale, opts: { synthetic: boolean; filesDir: string; log: (s: string) => void }): Promise<GenerateResult> {
	const start = performance.now();
	let source: string;
	if (!opts.synthetic) {
		// Loaded only here: the synthetic data set needs none of the demo generator.
		const { runDemo } = await import('../ingest/demo/index.js');
		source = `the demo scenario (\`runDemo({ scale: '${scale}' })\`)`;
		opts.log(`Generating the demo scenario at scale ${scale}…`);
		// The demo's files go beside the warehouse, not inside it: they must not count as warehouse size.
		await runDemo({ scale, outDir: opts.filesDir, onProgress: (m) => opts.log(`  ${m}`) });
	} else {
		const size = SYNTHETIC[scale];
		source = `the synthetic generator (bench/synthetic.ts: ${size.impressions!.toLocaleString('en-US')} impressions, ${size.users!.toLocaleString('en-US')} users, ${size.days} days)`;
		opts.log(`Generating ${source}…`);
		for (const s of fixtureInserts('default', { ...size, runId: 'bench-synthetic' })) {
			const t = performance.now();
			await command(s, { tag: 'bench:generate' });
			opts.log(`  ${/INSERT INTO \S+\.(\w+)/.exec(s)?.[1]} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
		}
	}
	const seconds = (performance.now() - start) / 1000;
	// Then what a served dashboard does after every ingest: the day tables, timed on their own.
	const dayStart = performance.now();
	let dayTableFailures: string[] = [];
	const dayTables = await refreshDayTables({ log: (line) => opts.log(`  ${line}`) }).catch((e: unknown) => {
		if (!(e instanceof DayTablesError)) throw e;
		dayTableFailures = e.failures;
		return e.built;
	});
	const dayTablesSeconds = (performance.now() - dayStart) / 1000;
	const rows: Record<string, number> = {};
	for (const t of liveTablesOf(loadMigrations())) {
		// A table of a migration added after this warehouse was opened does not exist yet.
		const r = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${t}`, { tag: 'bench:count' }).catch(() => []);
		if (r[0]) rows[t] = Number(r[0].n);
	}
	opts.log(`Generated in ${seconds.toFixed(0)} s: ${Object.entries(rows).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}`);
	return { scale, seconds, source, rows, dayTables, dayTablesSeconds, dayTableFailures, memoryCapMb: warehouseMemoryCapMb() };
}

/** The embedded warehouse's memory cap the day tables were built under (0 = the engine's default, 90 % of RAM). */
function warehouseMemoryCapMb(): number {
	return readConfig().LOOPMETER_WAREHOUSE_MEMORY_MB;
}
