import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ingest } from '../ingest/index.js';
import { metricSql } from '../src/lib/server/metrics/sql-files.js';
import { query } from '../src/lib/server/warehouse/index.js';

/**
 * The near-duplicate worst case: 50 k videos sharing one caption (a template
 * flood), loaded through ingest into a warehouse of their own. Pairing videos
 * made N²/2 = 1.25 billion pairs of them; kept between captions (migration
 * 0070) it is one caption and 49,999 duplicates. Times the load (with every
 * view on videos) and the near-duplicate relation read after it.
 */

export interface CaptionsResult {
	videos: number;
	loadSeconds: number;
	readSeconds: number;
	duplicates: number;
	captionRows: number;
	pairRows: number;
	loadAvg: { before: number; after: number };
}

export const CAPTION_VIDEOS = 50_000;

function video(i: number) {
	return {
		video_id: `same-caption-${i}`,
		created_at: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString(),
		creator_id: `c${i % 500}`,
		creator_kind: ['human', 'ai_assisted', 'ai_generated'][i % 3],
		duration_ms: 15_000,
		topic: 'pets',
		caption: 'my cat tries the new dance trend at home tonight and it goes wrong',
		cameo_user_ids: [],
		cameo_consent: 'none',
		copyright_flag: false
	};
}

export async function benchCaptions(opts: { dir: string; log: (s: string) => void }): Promise<CaptionsResult> {
	const file = join(opts.dir, 'same-caption-videos.ndjson');
	writeFileSync(file, Array.from({ length: CAPTION_VIDEOS }, (_, i) => JSON.stringify(video(i))).join('\n') + '\n');
	const before = loadavg()[0]!;
	const started = performance.now();
	const [report] = await ingest({ source: 'videos', paths: [file], quiet: true, actor: 'bench-captions' });
	const loadSeconds = (performance.now() - started) / 1000;
	if (report?.outcome !== 'succeeded') throw new Error(`The videos did not load: ${report?.message}`);
	opts.log(`Loaded ${report.rows_loaded.toLocaleString('en-US')} videos sharing one caption in ${loadSeconds.toFixed(1)} s`);
	const read = performance.now();
	const [dups] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM (\n${metricSql('slop_near_duplicates')}\n)`, { tag: 'bench:captions:read' });
	const readSeconds = (performance.now() - read) / 1000;
	const [sizes] = await query<{ captions: string; pairs: string }>(
		`SELECT toString((SELECT count() FROM caption_first)) AS captions, toString((SELECT count() FROM caption_pairs)) AS pairs`,
		{ tag: 'bench:captions:sizes' }
	);
	const result = {
		videos: report.rows_loaded,
		loadSeconds,
		readSeconds,
		duplicates: Number(dups?.n ?? 0),
		captionRows: Number(sizes?.captions ?? 0),
		pairRows: Number(sizes?.pairs ?? 0),
		loadAvg: { before, after: loadavg()[0]! }
	};
	opts.log(`Near-duplicates read in ${readSeconds.toFixed(2)} s: ${result.duplicates.toLocaleString('en-US')} duplicates, ${result.captionRows} caption row(s), ${result.pairRows} caption pair(s)`);
	return result;
}
