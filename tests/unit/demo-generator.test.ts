import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemoFiles, SCENARIO, storyFor } from '../../ingest/demo/index.js';
import { eventSchema, objectSchemas, isStoredObjectType } from '../../ingest/stripe/schemas.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function hashes(seed: number): Promise<Record<string, string>> {
	const outDir = mkdtempSync(join(tmpdir(), 'loopmeter-demo-unit-'));
	dirs.push(outDir);
	const { files } = await generateDemoFiles({ seed, days: 60, users: 400, outDir });
	return Object.fromEntries(files.map((f) => [basename(f.path), createHash('sha256').update(readFileSync(f.path)).digest('hex')]));
}

describe('demo scenario generator', { timeout: 120_000 }, () => {
	it('writes byte-identical files for the same seed and different files for another seed', async () => {
		const a = await hashes(7);
		const b = await hashes(7);
		const c = await hashes(8);
		expect(Object.keys(a).length).toBeGreaterThanOrEqual(8);
		expect(b).toEqual(a);
		expect(c['users.csv']).not.toBe(a['users.csv']);
		expect(c['generation_jobs.ndjson']).not.toBe(a['generation_jobs.ndjson']);
		expect(c['stripe-events.ndjson']).not.toBe(a['stripe-events.ndjson']);
	});

	it('fixes the story dates: 182 days ending 2026-11-01 (exclusive), beats in order', () => {
		expect(SCENARIO.start).toBe('2026-05-03');
		expect(SCENARIO.end).toBe('2026-11-01');
		const s = storyFor();
		expect((s.endMs - s.startMs) / 86_400_000).toBe(182);
		expect(s.burstClusterDay).toBeLessThan(s.ownedClusterDay);
		expect(s.ownedClusterDay).toBeLessThan(s.rolloutDay);
		expect(s.rolloutDay).toBeLessThan(s.feedModeLaunchDay);
		expect(s.feedModeLaunchDay).toBeLessThan(s.gpuPriceCutDay);
		// A shorter scenario keeps the beats in proportion, inside the period.
		const short = storyFor(30);
		expect(short.rolloutDay).toBe(Math.round((90 * 30) / 182));
		expect(short.date(0)).toBe('2026-10-02');
	});

	it('emits Stripe events that the Stripe loader accepts, with users linked to customers', async () => {
		const outDir = mkdtempSync(join(tmpdir(), 'loopmeter-demo-unit-'));
		dirs.push(outDir);
		const { files } = await generateDemoFiles({ seed: 3, days: 182, users: 800, outDir });
		const stripe = files.find((f) => f.source === 'stripe_events')!;
		const events = readFileSync(stripe.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		const types = new Set<string>();
		let lastCreated = 0;
		for (const e of events) {
			const ev = eventSchema.parse(e);
			expect(ev.created).toBeGreaterThanOrEqual(lastCreated);
			lastCreated = ev.created;
			types.add(ev.type);
			const obj = ev.data.object as { object: string };
			if (isStoredObjectType(obj.object)) objectSchemas[obj.object].parse(obj);
		}
		for (const t of ['product.created', 'price.created', 'customer.created', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.paid', 'charge.refunded', 'credit_note.created']) {
			expect(types, t).toContain(t);
		}
		const invoices = events.filter((e) => e.type === 'invoice.paid').map((e) => e.data.object);
		const lines = invoices.flatMap((i) => i.lines.data);
		expect(lines.some((l) => l.parent.subscription_item_details.proration && l.amount < 0)).toBe(true);
		expect(lines.some((l) => l.discount_amounts.length > 0)).toBe(true);
		// Every customer billed in USD names its user, and the users file carries the same customer id;
		// the business customers billed in EUR and GBP (ingest/demo/foreign-billing.ts) have no app user.
		const customers = events.filter((e) => e.type === 'customer.created').map((e) => e.data.object);
		const users = readFileSync(files.find((f) => f.source === 'users')!.path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
		const customerOfUser = new Map(users.map((u) => [u[0], u[2]]));
		const foreign = customers.filter((c) => c.currency !== 'usd');
		expect(new Set(foreign.map((c) => c.currency))).toEqual(new Set(['eur', 'gbp']));
		for (const c of customers.filter((c) => c.currency === 'usd')) expect(customerOfUser.get(c.metadata.user_id)).toBe(c.id);
		// Their invoices are in their currency, and the rates cover every day they are billed.
		const rates = new Set(readFileSync(files.find((f) => f.source === 'fx_rates')!.path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(' ')));
		for (const inv of invoices.filter((i) => i.currency !== 'usd')) {
			for (const l of inv.lines.data) for (let d = l.period.start; d < l.period.end; d += 86_400) expect(rates).toContain(`${new Date(d * 1000).toISOString().slice(0, 10)} ${inv.currency.toUpperCase()}`);
		}
	});

	it('keeps fleet intervals of one cluster from overlapping and jobs inside provisioned clusters', async () => {
		const outDir = mkdtempSync(join(tmpdir(), 'loopmeter-demo-unit-'));
		dirs.push(outDir);
		const { files } = await generateDemoFiles({ seed: 5, days: 182, users: 300, outDir });
		const fleet = readFileSync(files.find((f) => f.source === 'gpu_fleet')!.path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
		const rows = fleet.map((r) => ({ cluster: r[0]!, from: Date.parse(r[2]!), to: r[3] ? Date.parse(r[3]) : Infinity }));
		for (const a of rows) for (const b of rows) if (a !== b && a.cluster === b.cluster) expect(a.to <= b.from || b.to <= a.from).toBe(true);
		const jobs = readFileSync(files.find((f) => f.source === 'generation_jobs')!.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		for (const j of jobs) {
			const t = Date.parse(j.started_at);
			expect(rows.some((r) => r.cluster === j.cluster && r.from <= t && t < r.to), j.job_id).toBe(true);
			expect(Date.parse(j.ended_at)).toBeGreaterThanOrEqual(t);
		}
		expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(['succeeded', 'failed', 'cancelled', 'moderated']));
		expect(new Set(jobs.map((j) => j.purpose))).toEqual(new Set(['user', 'feed_prefill', 'internal', 'eval']));
		expect(jobs.some((j) => j.started_at.slice(0, 10) !== j.ended_at.slice(0, 10))).toBe(true);
	});

	it('builds remix captions that stay near duplicates of their parent (word-bigram Jaccard ≥ 0.8)', async () => {
		const outDir = mkdtempSync(join(tmpdir(), 'loopmeter-demo-unit-'));
		dirs.push(outDir);
		const { files } = await generateDemoFiles({ seed: 9, days: 120, users: 600, outDir });
		const videos = files.filter((f) => f.source === 'videos' && !f.path.includes('revocations')).flatMap((f) => readFileSync(f.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
		const byId = new Map(videos.map((v) => [v.video_id, v]));
		const bigrams = (s: string) => {
			const w = s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
			return new Set(w.slice(1).map((x, i) => `${w[i]} ${x}`));
		};
		const jaccard = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x)).length / new Set([...a, ...b]).size;
		const remixes = videos.filter((v) => v.remix_of && byId.has(v.remix_of));
		expect(remixes.length).toBeGreaterThan(50);
		for (const r of remixes) expect(jaccard(bigrams(r.caption), bigrams(byId.get(r.remix_of)!.caption))).toBeGreaterThanOrEqual(0.8);
		// Unrelated originals are not near duplicates of each other.
		const originals = videos.filter((v) => !v.remix_of).slice(0, 200);
		let close = 0;
		for (let i = 1; i < originals.length; i++) if (jaccard(bigrams(originals[i].caption), bigrams(originals[i - 1].caption)) >= 0.8) close++;
		expect(close).toBeLessThan(5);
	});
});
