import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../ingest/read.js';
import { reusedReads } from '../../src/lib/server/files/reused-reads.js';
import { spoolChunks } from '../../ingest/spool.js';

/*
 * Ingest memory must not grow with the file: both readers pull the file as
 * the loader asks for it. Each test reads a 12 MB file slowly and checks,
 * whenever a chunk or batch arrives, how far the file has been read beyond
 * it: at most the read stream's buffers (1 MiB reads; the bound below allows
 * 4 MiB), never the rest of the file. Lines have a fixed length, so the
 * end of line n is at byte n × LINE.
 */
const dir = mkdtempSync(join(tmpdir(), 'loopmeter-streaming-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINES = 40_000;
const READ_AHEAD = 4 << 20;

/** A line of exactly `width` bytes including its \n. */
function fixed(text: string, width: number): string {
	return `${text}${' '.repeat(width - 1 - text.length)}\n`;
}

describe('ingest readers stream the file', () => {
	it('the NDJSON spool reads at most a few MiB past the chunk it hands over, and keeps two spool files', async () => {
		const LINE = 300;
		const path = join(dir, 'big.ndjson');
		let body = '';
		for (let i = 0; i < LINES; i++) body += fixed(JSON.stringify({ impression_id: `i${i}`, user_id: `u${i % 97}` }), LINE);
		writeFileSync(path, body);
		const spool = join(dir, 'spool');
		rmSync(spool, { recursive: true, force: true });
		mkdirSync(spool);
		let read = 0;
		const aheads: number[] = [];
		const spoolFiles = new Set<string>();
		let records = 0;
		for await (const c of spoolChunks({ file: 'big.ndjson', path, gzip: false, dir: spool, chunkRecords: 2_000, onBytes: (b) => (read = b) })) {
			records += c.records;
			const endOfChunk = (c.firstLine - 1 + c.records) * LINE;
			aheads.push(read - endOfChunk);
			for (const f of readdirSync(spool)) spoolFiles.add(f);
			// A slow consumer: the reader must wait for it rather than read on.
			await new Promise((r) => setTimeout(r, 2));
		}
		expect(records).toBe(LINES);
		expect(aheads).toHaveLength(LINES / 2_000);
		expect(Math.max(...aheads)).toBeLessThanOrEqual(READ_AHEAD);
		// Chunk files alternate between two names: one is read by SQL while the next is written.
		expect([...spoolFiles].sort()).toEqual(['chunk-0.ndjson', 'chunk-1.ndjson']);
	});

	it('the CSV reader reads at most a few MiB past the batch it hands over', async () => {
		const LINE = 200;
		const path = join(dir, 'big.csv');
		let body = fixed('impression_id,user_id,watch_ms', LINE);
		for (let i = 1; i < LINES; i++) body += fixed(`i${i},u${i % 97},${i}`, LINE);
		writeFileSync(path, body);
		let read = 0;
		let lastLine = 0;
		const aheads: number[] = [];
		for await (const batch of readRecords({ file: 'big.csv', path, format: 'csv', gzip: false, onBytes: (b) => (read = b) })) {
			lastLine = batch.at(-1)!.line;
			aheads.push(read - lastLine * LINE);
			await new Promise((r) => setTimeout(r, 2));
		}
		expect(lastLine).toBe(LINES);
		expect(aheads.length).toBeGreaterThan(5);
		expect(Math.max(...aheads)).toBeLessThanOrEqual(READ_AHEAD);
	});

	it('reads into reused buffers, and the spool keeps every line exactly as written', async () => {
		// Lines of every length, some longer in bytes than one 1 MiB read (two-byte characters keep them under the
		// line limit), with CRLF and blank lines among them: every line crossing a read boundary must be copied
		// before its buffer is read into again.
		const lines: string[] = [];
		for (let i = 0, bytes = 0; bytes < 6 << 20; i++) {
			const pad = i % 50 === 7 ? 'é'.repeat(600_000 + i) : 'x'.repeat((i * 7919) % 3000);
			if (i % 97 === 5) lines.push(i % 2 ? '' : '   ');
			else lines.push(`${JSON.stringify({ impression_id: `i${i}`, pad })}${i % 13 === 3 ? '\r' : ''}`);
			bytes += Buffer.byteLength(lines.at(-1)!) + 1;
		}
		const path = join(dir, 'mixed.ndjson');
		writeFileSync(path, `${lines.join('\n')}\n`);

		const seen: Buffer[] = [];
		for await (const b of reusedReads(path)) seen.push(Buffer.from(b));
		expect(Buffer.concat(seen).equals(readFileSync(path))).toBe(true);

		const spool = join(dir, 'spool-mixed');
		rmSync(spool, { recursive: true, force: true });
		mkdirSync(spool);
		let checked = 0;
		for await (const c of spoolChunks({ file: 'mixed.ndjson', path, gzip: false, dir: spool, chunkRecords: 250 })) {
			// Read before asking for the next chunk: the two spool files are rewritten in turn.
			const got = readFileSync(c.path, 'utf8').split('\n').slice(0, -1);
			const want = lines.slice(c.firstLine - 1, c.firstLine - 1 + got.length).map((l) => (l.trim() === '' ? '' : l.replace(/\r$/, '')));
			expect(got).toEqual(want);
			checked += got.length;
		}
		expect(checked).toBe(lines.length);
	});
});
