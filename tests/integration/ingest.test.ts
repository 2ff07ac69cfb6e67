import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingest } from '../../ingest/index.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import type { IngestReport } from '../../src/lib/contracts/ingest.js';
import { engagementRecord } from '../helpers/rows.js';

useTempWarehouse('loopmeter-ingest-');

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'ingest', name);
const tmp = mkdtempSync(join(tmpdir(), 'loopmeter-ingest-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function count(sql: string, params?: Record<string, unknown>): Promise<number> {
	const [row] = await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql}`, { tag: 'test', params });
	return Number(row!.n);
}

async function one(source: Parameters<typeof ingest>[0]['source'], path: string, extra: Partial<Parameters<typeof ingest>[0]> = {}): Promise<IngestReport> {
	const reports = await ingest({ source, paths: [path], quiet: true, actor: 'test', ...extra });
	expect(reports).toHaveLength(1);
	return reports[0]!;
}

const reasons = (r: IngestReport) => Object.fromEntries(r.rejected_by_reason.map((x) => [x.reason, x.count]));

function engagementLine(i: number, day = '2026-06-10'): string {
	return JSON.stringify(
		engagementRecord({
			impression_id: `g${i}`,
			ts: `${day}T${String(Math.floor(i / 3600) % 24).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
			user_id: `u${i % 7}`,
			session_id: `s${i % 11}`,
			video_id: `v${i % 13}`,
			watch_ms: 1000 + i,
			position: i % 5,
			liked: i % 2 === 0
		})
	);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('engagement NDJSON with every kind of bad row', () => {
	it('loads the good rows, dead-letters the bad ones with their reasons, and reports the extra column', async () => {
		const r = await one('engagement', fixture('engagement.ndjson'));
		// 14 lines, one blank → 13 records: i1, i2, i3 good; line 12 repeats i1 (duplicate); 9 rejected.
		expect(r.rows_read).toBe(13);
		expect(r.rows_loaded).toBe(3);
		expect(r.rows_duplicate).toBe(1);
		expect(r.rows_rejected).toBe(9);
		// 9 of 13 rejected is far above the default 1 %: the run says so, but the good rows landed.
		expect(r.outcome).toBe('rejected');
		expect(r.message).toMatch(/more than --max-errors 1%/);
		expect(reasons(r)).toEqual({
			'watch_ms: must be ≥ 0': 1,
			'ts: must be an ISO-8601 time with zone or epoch milliseconds': 1,
			'ts: must be between 2000 and 2100 (looks like epoch seconds; milliseconds expected)': 1,
			'ts: is not a valid date-time': 1,
			'video_duration_ms: must be > 0': 1,
			'surface: must be one of feed, following, profile, search, share_link': 1,
			'user_id: is required': 1,
			'autoplay: must be true or false': 1,
			'line is not valid JSON': 1,
			'line must be a JSON object': 1,
			'country: must be an ISO 3166-1 alpha-2 code such as US': 1
		});
		expect(r.examples[0]).toMatchObject({ line: 4, field: 'watch_ms', reason: 'watch_ms: must be ≥ 0, got -5' });
		expect(r.extra_columns).toEqual(['app_version']);
		expect(await count('impressions')).toBe(3);
		// Two rows had two bad fields each: 11 dead letters for 9 rows.
		expect(await count('dead_letters FINAL WHERE source = {s:String}', { s: 'engagement' })).toBe(11);
		const [i3] = await query<{ ts: string; watch_ms: number; autoplay: boolean; shared: boolean; platform: string }>(
			`SELECT toString(ts) AS ts, watch_ms, autoplay, shared, platform FROM impressions WHERE impression_id = 'i3'`,
			{ tag: 'test' }
		);
		// "+02:00" converted to UTC; CSV-ish strings and 0/1 accepted for numbers and bools; null platform → ''.
		expect(i3).toEqual({ ts: '2026-06-01 10:00:00.000', watch_ms: 3000, autoplay: false, shared: true, platform: '' });
		const runs = await query<{ outcome: string; rows_loaded: string }>(
			`SELECT outcome, toString(rows_loaded) AS rows_loaded FROM ingest_runs FINAL WHERE run_id = {id:String}`,
			{ tag: 'test', params: { id: r.run_id } }
		);
		expect(runs).toEqual([{ outcome: 'rejected', rows_loaded: '3' }]);
	});

	it('adds nothing when the same file is loaded again', async () => {
		const r = await one('engagement', fixture('engagement.ndjson'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 13, rows_loaded: 0, rows_duplicate: 4, rows_rejected: 9, outcome: 'succeeded' });
		expect(await count('impressions')).toBe(3);
		expect(await count('dead_letters WHERE source = {s:String}', { s: 'engagement' })).toBe(11);
	});

	it('counts a dry run without writing anything', async () => {
		const path = join(tmp, 'dry.ndjson');
		writeFileSync(path, range(0, 10).map((i) => engagementLine(i, '2026-07-01')).join('\n'));
		const r = await one('engagement', path, { dryRun: true });
		expect(r).toMatchObject({ rows_read: 10, rows_loaded: 10, outcome: 'succeeded' });
		expect(await count(`impressions WHERE toDate(ts) = '2026-07-01'`)).toBe(0);
	});
});

describe('overlapping and compressed files', () => {
	it('never double-counts rows present in two overlapping files, gzip or not', async () => {
		const a = join(tmp, 'a.ndjson');
		const b = join(tmp, 'b.ndjson.gz');
		writeFileSync(a, range(0, 100).map((i) => engagementLine(i)).join('\n') + '\n');
		writeFileSync(b, gzipSync(range(50, 150).map((i) => engagementLine(i)).join('\n') + '\n'));
		const [ra, rb] = await ingest({ source: 'engagement', paths: [a, b], quiet: true });
		expect(ra).toMatchObject({ rows_read: 100, rows_loaded: 100, rows_duplicate: 0 });
		expect(rb).toMatchObject({ rows_read: 100, rows_loaded: 50, rows_duplicate: 50, outcome: 'succeeded' });
		expect(await count(`impressions WHERE toDate(ts) = '2026-06-10'`)).toBe(150);
	});

	it('loads every file of a directory in name order', async () => {
		const dir = mkdtempSync(join(tmp, 'dir-'));
		writeFileSync(join(dir, '2.ndjson'), range(200, 210).map((i) => engagementLine(i, '2026-06-11')).join('\n'));
		writeFileSync(join(dir, '1.ndjson'), range(190, 205).map((i) => engagementLine(i, '2026-06-11')).join('\n'));
		writeFileSync(join(dir, 'notes.txt'), 'ignored');
		const reports = await ingest({ source: 'engagement', paths: [dir], quiet: true });
		expect(reports.map((r) => [r.file.slice(-8), r.rows_loaded, r.rows_duplicate])).toEqual([
			['1.ndjson', 15, 0],
			['2.ndjson', 5, 5]
		]);
	});

	it('keeps the rows before a truncated gzip and says the file is cut short', async () => {
		// Big enough (~6 MB unpacked) that the decompressor hands over data before it hits the cut.
		const full = gzipSync(range(300, 20300).map((i) => engagementLine(i, '2026-06-12')).join('\n'));
		const path = join(tmp, 'cut.ndjson.gz');
		writeFileSync(path, full.subarray(0, Math.floor(full.length * 0.6)));
		const r = await one('engagement', path);
		expect(r.outcome).toBe('failed');
		expect(r.message).toMatch(/cut\.ndjson\.gz: the gzip data is truncated or corrupt/);
		expect(r.rows_loaded).toBeGreaterThan(0);
		expect(await count(`impressions WHERE toDate(ts) = '2026-06-12'`)).toBe(r.rows_loaded);
	});
});

describe('lines loaded as written', () => {
	it('stores exactly what the validator accepted, even where ClickHouse would read the line differently', async () => {
		const path = join(tmp, 'odd.ndjson');
		const base = JSON.parse(engagementLine(1, '2026-06-15')) as Record<string, unknown>;
		const odd = [
			// A number in exponent form and a key given twice (JSON.parse keeps the last).
			JSON.stringify({ ...base, impression_id: 'odd1' }).replace('"watch_ms":1001', '"watch_ms":1e3'),
			JSON.stringify({ ...base, impression_id: 'odd2' }).replace('"user_id":"u1"', '"user_id":"first","user_id":"last"'),
			JSON.stringify({ ...base, impression_id: 'odd3', ts: '2026-06-15T01:02:03.004Z' })
		];
		writeFileSync(path, odd.join('\n'));
		const r = await one('engagement', path);
		expect(r).toMatchObject({ rows_loaded: 3, rows_rejected: 0 });
		const rows = await query<{ id: string; watch_ms: number; user_id: string; ts: string }>(
			`SELECT impression_id AS id, watch_ms, user_id, toString(ts) AS ts FROM impressions WHERE impression_id LIKE 'odd%' ORDER BY id`,
			{ tag: 'test' }
		);
		expect(rows).toEqual([
			{ id: 'odd1', watch_ms: 1000, user_id: 'u1', ts: '2026-06-15 00:00:01.000' },
			{ id: 'odd2', watch_ms: 1001, user_id: 'last', ts: '2026-06-15 00:00:01.000' },
			{ id: 'odd3', watch_ms: 1001, user_id: 'u1', ts: '2026-06-15 01:02:03.004' }
		]);
	});
});

describe('files that cannot be loaded get one clear line', () => {
	it.each([
		['empty.ndjson', '', /empty\.ndjson: is empty: nothing to load/],
		['binary.ndjson', Buffer.from([0x7b, 0x00, 0x01, 0x02, 0xff, 0x00]), /looks like a binary file, not NDJSON text/],
		['users-nosignup.csv', 'user_id,country\nu1,US\n', /required column signup_at missing from the header/],
		['users-nosignup.ndjson', '{"user_id":"u1"}\n{"user_id":"u2"}\n', /required column signup_at missing \(absent from all of the first 2 records\)/],
		['header-only.csv', 'user_id,signup_at\n', /has no data rows/]
	])('%s', async (name, content, message) => {
		const path = join(tmp, name);
		writeFileSync(path, content);
		const r = await one('users', path);
		expect(r.outcome).toBe('failed');
		expect(r.message).toMatch(message);
		expect(r.message).not.toMatch(/\n/);
	});

	it('dead-letters an over-long line without buffering it, and loads the rest', async () => {
		const path = join(tmp, 'long.ndjson');
		const huge = `{"impression_id":"huge","pad":"${'x'.repeat(3 * 1024 * 1024)}"}`;
		writeFileSync(path, [engagementLine(1, '2026-06-13'), huge, engagementLine(2, '2026-06-13')].join('\n'));
		const r = await one('engagement', path, { maxErrors: '50%' });
		expect(r).toMatchObject({ rows_read: 3, rows_loaded: 2, rows_rejected: 1, outcome: 'succeeded' });
		expect(reasons(r)).toEqual({ 'line is longer than 1048576 characters': 1 });
		// 3 MiB of padding + 33 characters of JSON around it = 3 145 761.
		expect(r.examples[0]!.reason).toBe('line is longer than 1048576 characters (3145761); skipped');
		expect(r.examples[0]!.raw.length).toBeLessThan(2000);
	});
});

describe('the other sources', () => {
	it('gpu_fleet: overlapping intervals and incomplete prices are rejected', async () => {
		const r = await one('gpu_fleet', fixture('gpu_fleet.ndjson'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 8, rows_loaded: 3, rows_rejected: 5 });
		expect(reasons(r)).toEqual({
			'valid_from: overlaps another interval of the same cluster and gpu_type': 1,
			'pue: must be ≥ 1 for owned GPUs': 1,
			'valid_to: must be after valid_from': 1,
			'rental_usd_per_gpu_hour: is required (> 0) for rented GPUs': 1,
			'rental_usd_per_gpu_hour: must be a decimal with at most 6 decimal places': 1
		});
		const overlap = r.examples.find((e) => e.line === 3)!;
		expect(overlap.reason).toContain('us-east/H100 2026-01-01 00:00:00.000 → 2026-07-01 00:00:00.000 (line 1)');
		const [fleet] = await query<{ n: string; rate: string }>(
			`SELECT toString(count()) AS n, toString(sum(rental_usd_per_gpu_hour)) AS rate FROM gpu_fleet FINAL`,
			{ tag: 'test' }
		);
		// 2.10 + 1.65 + 0 (owned) = 3.75, exact decimals.
		expect(fleet).toEqual({ n: '3', rate: '3.75' });
		const again = await one('gpu_fleet', fixture('gpu_fleet.ndjson'), { maxErrors: '100%' });
		expect(again).toMatchObject({ rows_loaded: 0, rows_duplicate: 3, rows_rejected: 5 });
		expect(await count('gpu_fleet')).toBe(3);
	});

	it('generation_jobs: range and order rules reject, a cluster without fleet capacity only warns', async () => {
		const r = await one('generation_jobs', fixture('generation_jobs.ndjson'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 6, rows_loaded: 3, rows_rejected: 3, rows_warned: 1 });
		expect(reasons(r)).toEqual({
			'ended_at: must be ≥ started_at': 1,
			'gpu_count: must be > 0': 1,
			'status: must be one of succeeded, failed, cancelled, moderated': 1,
			'purpose: must be one of user, feed_prefill, internal, eval': 1,
			'output_seconds: must be ≥ 0': 1
		});
		expect(r.warnings_by_reason).toEqual([{ reason: 'cluster: no gpu_fleet capacity for this cluster and gpu_type at started_at', count: 1 }]);
		expect(await count(`generation_jobs WHERE cluster = 'mars-1'`)).toBe(1);
	});

	it('videos: CSV with ;-separated cameo ids and a quoted multi-line caption; a changed row in a new file wins, re-loading an old file changes nothing', async () => {
		const r = await one('videos', fixture('videos.csv'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 7, rows_loaded: 2, rows_rejected: 5 });
		expect(reasons(r)).toEqual({
			'creator_kind: must be one of human, ai_assisted, ai_generated': 1,
			'duration_ms: must be > 0': 1,
			'remix_of: must not be the video itself': 1,
			'cameo_consent: must be one of none, granted, revoked': 1,
			'line has a different number of fields than the header': 1
		});
		expect(r.examples.find((e) => e.reason.startsWith('line'))).toMatchObject({ line: 9, reason: 'line has 10 fields, the header has 12' });
		const v = await query<{ video_id: string; cameo_user_ids: string[]; caption: string }>(
			`SELECT video_id, cameo_user_ids, caption FROM videos FINAL ORDER BY video_id`,
			{ tag: 'test' }
		);
		expect(v).toEqual([
			{ video_id: 'v1', cameo_user_ids: ['u7', 'u8'], caption: 'a cat, dancing' },
			{ video_id: 'v2', cameo_user_ids: [], caption: 'multi\nline caption' }
		]);
		const update = await one('videos', fixture('videos.ndjson'), { maxErrors: '100%' });
		expect(update).toMatchObject({ rows_loaded: 1, rows_rejected: 1 });
		expect(reasons(update)).toEqual({ 'cameo_user_ids: must be a list of strings': 1 });
		const [v1] = await query<{ consent: string }>(`SELECT cameo_consent AS consent FROM videos FINAL WHERE video_id = 'v1'`, { tag: 'test' });
		expect(v1!.consent).toBe('revoked');
		// Re-loading the older CSV changes nothing: v1 keeps the consent the later file revoked.
		const again = await one('videos', fixture('videos.csv'), { maxErrors: '100%' });
		expect(again).toMatchObject({ rows_loaded: 0, rows_duplicate: 2 });
		const [still] = await query<{ consent: string }>(`SELECT cameo_consent AS consent FROM videos FINAL WHERE video_id = 'v1'`, { tag: 'test' });
		expect(still!.consent).toBe('revoked');
		// A new file that changes v1 again does land.
		const regrant = join(tmp, 'regrant.ndjson');
		writeFileSync(regrant, readFileSync(fixture('videos.ndjson'), 'utf8').split('\n')[0]!.replace('"revoked"', '"granted"'));
		expect(await one('videos', regrant)).toMatchObject({ rows_loaded: 1 });
	});

	it('users: CSV extra columns listed, bad rows rejected, re-run adds nothing', async () => {
		const r = await one('users', fixture('users.csv'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 6, rows_loaded: 3, rows_rejected: 3, extra_columns: ['favourite_colour'] });
		expect(reasons(r)).toEqual({
			'signup_at: must be an ISO-8601 time with zone or epoch milliseconds': 1,
			'country: must be an ISO 3166-1 alpha-2 code such as US': 1,
			'user_id: is required': 1
		});
		const again = await one('users', fixture('users.csv'), { maxErrors: '100%' });
		expect(again).toMatchObject({ rows_loaded: 0, rows_duplicate: 3 });
		expect(await count('users')).toBe(3);
	});

	it('ad_revenue: money stays exact, negative and malformed values are rejected', async () => {
		const r = await one('ad_revenue', fixture('ad_revenue.csv'), { maxErrors: '100%' });
		expect(r).toMatchObject({ rows_read: 7, rows_loaded: 2, rows_duplicate: 1, rows_rejected: 4 });
		expect(reasons(r)).toEqual({
			'ad_impressions: must be ≥ 0': 1,
			'date: is not a calendar date': 1,
			'revenue_usd: must be a decimal with at most 6 decimal places': 1,
			'revenue_usd: must be ≥ 0': 1
		});
		const [sum] = await query<{ usd: string }>(`SELECT toString(sum(revenue_usd)) AS usd FROM ad_revenue`, { tag: 'test' });
		// 840.50 + 2900.123456 = 3740.623456
		expect(sum!.usd).toBe('3740.623456');
	});
});

describe('standard input', () => {
	it('reads "-" with the format sniffed from the content', async () => {
		const { Readable } = await import('node:stream');
		const text = range(400, 410).map((i) => engagementLine(i, '2026-06-14')).join('\n');
		const r = await one('engagement', '-', { stdin: Readable.from([text]) });
		expect(r).toMatchObject({ file: 'stdin', format: 'ndjson', rows_loaded: 10 });
		expect(readFileSync(fixture('users.csv'), 'utf8')).toContain('favourite_colour');
	});
});
