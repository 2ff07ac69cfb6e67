import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { scenarioEvents } from '../fixtures/stripe/scenario.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// `loopmeter ingest stripe_events <file>`: bad lines are dead-lettered with line,
// field and reason while good lines land; loading again changes nothing.
const { dataDir, open } = useTempWarehouse('loopmeter-stripe-file-');
const good = scenarioEvents().filter((e) => !JSON.stringify(e).includes('"eur"'));
const file = join(dataDir, 'events.ndjson');

const lines = [
	JSON.stringify(good[0]),
	'{"id": "evt_trunc", "type": "customer.created", ', // line 2: not JSON
	JSON.stringify({ ...good[1], data: { object: { ...(good[1]!.data as { object: object }).object, id: undefined } } }), // line 3: object without id
	JSON.stringify({ id: 'evt_promo', object: 'event', type: 'promotion_code.created', created: 1, data: { object: { object: 'promotion_code', id: 'promo_SAVE' } } }), // line 4: not used (coupons are, since MRR nets them)
	'',
	...good.slice(2).map((e) => JSON.stringify(e))
];

async function count(sql: string) {
	return Number((await query<{ n: string }>(`SELECT toString(count()) AS n FROM ${sql}`, { tag: 'test' }))[0]!.n);
}

beforeAll(async () => {
	await open();
	writeFileSync(file, lines.join('\n') + '\n');
});

describe('Stripe event files', () => {
	it('a dry run validates and writes nothing', async () => {
		const r = await ingestStripeEventsFile(file, { dryRun: true });
		expect(r.rows_rejected).toBe(2);
		expect(await count('stripe_events')).toBe(0);
		expect(await count('dead_letters')).toBe(0);
		expect(await count('ingest_runs')).toBe(0);
	});

	it('stops once rejections pass --max-errors, keeping what landed', async () => {
		const r = await ingestStripeEventsFile(file, { maxErrors: '1' });
		expect(r.outcome).toBe('failed');
		expect(r.message).toContain('--max-errors 1');
	});

	it('loads good lines and dead-letters bad ones with line, field and reason', async () => {
		const r = await ingestStripeEventsFile(file, {});
		expect(r.outcome).toBe('succeeded');
		expect(r.rows_read).toBe(lines.filter(Boolean).length);
		// The stopped run above had already applied its only chunk: this run finds them all applied.
		expect(r.rows_duplicate).toBe(good.length - 1 + 1); // good lines but line 3, plus the ignored promotion code event (in the ledger too)
		expect(r.rows_rejected).toBe(2);
		expect(await count('stripe_events')).toBe(good.length);
		expect(r.examples.map((e) => [e.line, e.field])).toEqual([[2, '(line)'], [3, 'data.object.id']]);
		// Two runs of the same file, one set of dead letters (even without FINAL).
		const dead = await query<{ line: number; field: string; reason: string }>("SELECT line, field, reason FROM dead_letters WHERE source = 'stripe_events' ORDER BY line", { tag: 'test' });
		expect(dead.map((d) => [Number(d.line), d.field])).toEqual([[2, '(line)'], [3, 'data.object.id']]);
		expect(dead[0]!.reason).toMatch(/^not valid JSON/);
		const runs = await query<{ outcome: string }>("SELECT argMax(outcome, updated_at) AS outcome FROM ingest_runs WHERE source = 'stripe_events' GROUP BY run_id", { tag: 'test' });
		expect(runs.map((x) => x.outcome).sort()).toEqual(['failed', 'succeeded']);
	});

	it('loading the same events again (here gzip-compressed) changes nothing', async () => {
		const before = await query('SELECT * EXCEPT (ingested_at) FROM stripe_invoice_lines FINAL ORDER BY ALL', { tag: 'test' });
		const gz = join(dataDir, 'events.ndjson.gz');
		writeFileSync(gz, gzipSync(lines.join('\n') + '\n'));
		const r = await ingestStripeEventsFile(gz, {});
		expect(r.rows_loaded).toBe(0);
		expect(r.rows_duplicate).toBe(good.length - 1 + 1); // + the ignored promotion code event, also in the ledger
		expect(await query('SELECT * EXCEPT (ingested_at) FROM stripe_invoice_lines FINAL ORDER BY ALL', { tag: 'test' })).toEqual(before);
		// A different file (other bytes, other hash) with the same bad lines has its own dead letters.
		expect(await count("dead_letters WHERE source = 'stripe_events'")).toBe(4);
	});
});

describe('loopmeter ingest stripe_events', () => {
	it('loads an event file from the command line through the same loader', async () => {
		const root = resolve(import.meta.dirname, '../..');
		const dir = mkdtempSync(join(tmpdir(), 'loopmeter-stripe-cli-file-'));
		try {
			const out = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
				const child = spawn(process.execPath, [join(root, 'bin', 'loopmeter.js'), 'ingest', 'stripe_events', file, '--json', '--quiet'], {
					cwd: root,
					env: { ...process.env, LOOPMETER_DATA: dir, CLICKHOUSE_URL: '' }
				});
				let stdout = '';
				let stderr = '';
				child.stdout.on('data', (d) => (stdout += d));
				child.stderr.on('data', (d) => (stderr += d));
				child.on('close', (status) => done({ status, stdout, stderr }));
			});
			const [report] = JSON.parse(out.stdout) as { source: string; rows_loaded: number; rows_rejected: number }[];
			expect(report).toMatchObject({ source: 'stripe_events', rows_loaded: good.length - 1, rows_rejected: 2 });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
