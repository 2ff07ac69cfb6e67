import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { isHttpError } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
import { ingestViaHttp } from '../../ingest/via-http.js';
import { IngestUsageError } from '../../ingest/errors.js';
import { advertiseUrl, getWarehouse, query } from '../../src/lib/server/warehouse/index.js';
import { resetAuthSettings } from '../../src/lib/server/auth/settings.js';
import type { Auth } from '../../src/lib/server/auth/index.js';
import * as upload from '../../src/routes/api/v1/ingest/[source]/+server.js';
import * as overview from '../../src/routes/api/v1/ingest/+server.js';
import * as letters from '../../src/routes/api/v1/ingest/dead-letters/+server.js';

const { dataDir } = useTempWarehouse('loopmeter-ingest-http-');
const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'loopmeter-ingest-http-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The three ingest routes behind a bare Node server, with the identity that
 * hooks.server.ts would have put in locals taken from the bearer token:
 * "all" holds ingest:*, "videos-only" holds ingest:videos.
 */
function authFor(header: string | undefined): Auth {
	const token = header?.replace(/^Bearer /, '');
	if (token === 'all') return { kind: 'token', token: { id: 't1', name: 'all', scopes: ['ingest:*'] } };
	if (token === 'videos-only') return { kind: 'token', token: { id: 't2', name: 'videos', scopes: ['ingest:videos'] } };
	return { kind: 'anonymous' };
}

let server: Server;
let base: string;

beforeAll(async () => {
	await getWarehouse({ role: 'vitest' });
	server = createServer(async (req, res) => {
		const url = new URL(req.url!, 'http://x');
		const request = new Request(url, {
			method: req.method,
			headers: req.headers as Record<string, string>,
			body: req.method === 'POST' ? (Readable.toWeb(req) as ReadableStream) : undefined,
			duplex: 'half'
		} as RequestInit);
		const seg = url.pathname.split('/').filter(Boolean);
		const event = { url, request, params: { source: seg[3] }, locals: { auth: authFor(req.headers.authorization) } } as never;
		let response: Response;
		try {
			if (req.method === 'POST') response = await upload.POST(event);
			else if (seg[3] === 'dead-letters') response = await letters.GET(event);
			else response = await overview.GET(event);
		} catch (e) {
			if (!isHttpError(e)) throw e;
			response = Response.json(e.body, { status: e.status });
		}
		res.writeHead(response.status, Object.fromEntries(response.headers));
		res.end(Buffer.from(await response.arrayBuffer()));
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const addr = server.address() as { port: number };
	base = `http://127.0.0.1:${addr.port}`;
});

afterAll(() => {
	server?.close();
});

const userLines = (from: number, to: number) =>
	Array.from({ length: to - from }, (_, k) => JSON.stringify({ user_id: `h${from + k}`, signup_at: '2026-03-01T00:00:00Z', country: 'US' })).join('\n');

describe('ingest through the running app', () => {
	it('streams a gzip file to POST /api/v1/ingest/<source> and gets the same report back', async () => {
		process.env.LOOPMETER_TOKEN = 'all';
		const path = join(tmp, 'users.ndjson.gz');
		writeFileSync(path, gzipSync(`${userLines(0, 50)}\n{"user_id":"bad","signup_at":"soon"}\n`));
		const seen: number[] = [];
		const [r] = await ingestViaHttp(base, { source: 'users', paths: [path], maxErrors: '5%', onProgress: (p) => seen.push(p.bytesDone) });
		expect(r).toMatchObject({ source: 'users', file: path, rows_read: 51, rows_loaded: 50, rows_rejected: 1, outcome: 'succeeded' });
		expect(seen.at(-1)).toBeGreaterThan(0);
		const [run] = await query<{ via: string; actor: string }>(`SELECT toString(via) AS via, actor FROM ingest_runs FINAL WHERE run_id = {id:String}`, {
			tag: 'test',
			params: { id: r!.run_id }
		});
		expect(run).toEqual({ via: 'http', actor: 'token:all (t1)' });
	});

	it('refuses a token without the source scope, with a message that says which scope', async () => {
		process.env.LOOPMETER_TOKEN = 'videos-only';
		const path = join(tmp, 'more-users.ndjson');
		writeFileSync(path, userLines(100, 110));
		const err = await ingestViaHttp(base, { source: 'users', paths: [path] }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(IngestUsageError);
		expect((err as Error).message).toMatch(/This needs a token with scope ingest:users.*set LOOPMETER_TOKEN/);
	});

	it('answers 413 when an upload passes the size limit', async () => {
		process.env.LOOPMETER_MAX_UPLOAD_BYTES = '1000';
		resetAuthSettings();
		try {
			const res = await fetch(`${base}/api/v1/ingest/users?file=big.ndjson`, {
				method: 'POST',
				headers: { authorization: 'Bearer all' },
				body: Readable.toWeb(Readable.from([Buffer.from(userLines(0, 100))])) as ReadableStream,
				duplex: 'half'
			} as RequestInit);
			expect(res.status).toBe(413);
			expect((await res.json()).message).toMatch(/big\.ndjson: The request body is larger than 1000 bytes/);
		} finally {
			delete process.env.LOOPMETER_MAX_UPLOAD_BYTES;
			resetAuthSettings();
		}
	});

	it('lists runs, rows per day and dead letters for the page, and exports dead letters as CSV', async () => {
		const res = await fetch(`${base}/api/v1/ingest?from=2026-02-27&to=2026-03-03`);
		const body = await res.json();
		expect(body.runs[0]).toMatchObject({ source: 'users', rows_loaded: 50, via: 'http' });
		// Zero days are listed too: that is what makes a gap visible.
		expect(body.rows_per_day.filter((d: { source: string }) => d.source === 'users')).toEqual([
			{ day: '2026-02-27', source: 'users', rows: 0 },
			{ day: '2026-02-28', source: 'users', rows: 0 },
			{ day: '2026-03-01', source: 'users', rows: 50 },
			{ day: '2026-03-02', source: 'users', rows: 0 }
		]);
		expect(body.dead_letter_reasons).toMatchObject([{ source: 'users', reason: 'signup_at: must be an ISO-8601 time with zone or epoch milliseconds', rows: 1 }]);
		const csv = await (await fetch(`${base}/api/v1/ingest/dead-letters?source=users&format=csv`)).text();
		const [header, row] = csv.trim().split('\n');
		expect(header).toBe('source,file,line,field,reason,raw,run_id,ingested_at');
		expect(row).toContain('users,');
		expect(row).toContain('"{""user_id"":""bad"",""signup_at"":""soon""}"');
	});

	it('the CLI goes through the app by itself when the app holds the data directory', async () => {
		process.env.LOOPMETER_TOKEN = 'all';
		advertiseUrl(dataDir, base);
		const path = join(tmp, 'cli-users.csv');
		writeFileSync(path, 'user_id,signup_at\nc1,2026-03-01T00:00:00Z\nc2,2026-03-01T00:00:00Z\n');
		const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), 'ingest', 'users', path, '--quiet'], {
			cwd: root,
			env: { ...process.env, LOOPMETER_DATA: dataDir, LOOPMETER_TOKEN: 'all' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (out += d.toString()));
		const [code] = (await once(child, 'exit')) as [number];
		expect(out).toMatch(/users .*cli-users\.csv: succeeded/);
		expect(out).toMatch(/read 2 {2}loaded 2/);
		expect(code).toBe(0);
		const [run] = await query<{ via: string }>(`SELECT toString(via) AS via FROM ingest_runs FINAL WHERE file = {f:String}`, { tag: 'test', params: { f: path } });
		expect(run).toEqual({ via: 'http' });
	});
});
