import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { dataPath } from './pages.js';
import type { RunningServer } from './server.js';
import { percentile } from './stats.js';

/**
 * The think-time load model of issue 19, beside the closed-loop capacity run
 * (load.ts): `viewers` different people (each their own account, so each has
 * their own query slots) open a page, read it for 2–10 s (uniformly at
 * random), then open another. 80 % of navigations are a page's default view;
 * 20 % ask for a random period of 7–182 days ending on a random day of the
 * data, at a random grain (day, week or month): pages take no group-by in the
 * URL, so the grain is the breakdown a viewer can change. The first page of a
 * viewer is HTML; later ones are client-side navigations (`__data.json`, the
 * layout skipped), sent with the ETag the viewer holds for that URL, as a
 * browser revalidates.
 */
export interface ThinkView {
	viewer: number;
	kind: 'default' | 'uncached';
	/** The page (as in `pages`) and the exact path asked for. */
	page: string;
	path: string;
	start: number;
	ms: number;
	status: number;
}

export interface Latency {
	n: number;
	p50Ms: number;
	p95Ms: number;
	maxMs: number;
}

export interface ThinkResult {
	viewers: number;
	seconds: number;
	navigations: number;
	errors: number;
	errorSamples: string[];
	default: Latency;
	uncached: Latency;
	/** Default views that overlapped another viewer's uncached view in time, and those that did not. */
	defaultBesideUncached: Latency;
	defaultAlone: Latency;
	/** Default views over the 300 ms target while another viewer's uncached view was running. */
	slowedDefaults: number;
	/** Revalidations answered 304. */
	notModified: number;
	loadAvg: { before: number; after: number };
	pages: string[];
	/**
	 * Per page, the views answered and those that failed (timed out or not 200/304), slowest p95
	 * first: where the time goes when a figure misses its target. Absent in runs before it was kept.
	 */
	byPage?: { page: string; default: Latency; uncached: Latency; errors: number }[];
}

const THINK_MIN_MS = 2_000;
const THINK_MAX_MS = 10_000;
const UNCACHED_SHARE = 0.2;
const DEFAULT_TARGET_MS = 300;

function latency(sample: number[]): Latency {
	return { n: sample.length, p50Ms: percentile(sample, 50), p95Ms: percentile(sample, 95), maxMs: percentile(sample, 100) };
}

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A random period of 7–182 days ending on a random day in [first + 182 d, last], at a random grain. */
function uncachedQuery(first: string, last: string, rnd: () => number): string {
	const end = Date.parse(`${last}T00:00:00Z`) + DAY_MS;
	const start = Date.parse(`${first}T00:00:00Z`);
	const days = 7 + Math.floor(rnd() * 176);
	const latestStart = end - days * DAY_MS;
	const to = Math.max(start + days * DAY_MS, end - Math.floor(rnd() * Math.max(1, (latestStart - start) / DAY_MS)) * DAY_MS);
	const grain = ['day', 'week', 'month'][Math.floor(rnd() * 3)]!;
	return `from=${isoDay(to - days * DAY_MS)}&to=${isoDay(to)}&grain=${grain}`;
}

/**
 * The server's own start-up warm-up opens the pages anonymously, which a proxy
 * sign-in refuses: the same default views are opened here, once, by a person
 * who is not one of the viewers, as that warm-up would have.
 */
export async function warmPagesAs(server: RunningServer, pages: string[], headers: Record<string, string>, log: (s: string) => void): Promise<void> {
	const started = performance.now();
	for (const page of pages) {
		const res = await fetch(server.url + page, { headers, redirect: 'manual', signal: AbortSignal.timeout(15 * 60_000) });
		await res.arrayBuffer();
		if (res.status !== 200) throw new Error(`warm-up: ${page} answered ${res.status}`);
	}
	log(`  opened every page's default view once in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** A seeded generator, so two runs ask for the same navigations. */
function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export async function thinkTimeTest(
	server: RunningServer,
	opts: { pages: string[]; viewers: number; seconds: number; dataDays: { first: string; last: string }; headersFor: (viewer: number) => Record<string, string>; log: (s: string) => void }
): Promise<ThinkResult> {
	const agent = new Agent({ keepAlive: true, maxSockets: opts.viewers });
	const target = new URL(server.url);
	const views: ThinkView[] = [];
	const errorSamples: string[] = [];
	let errors = 0;
	const errorsByPage = new Map<string, number>();
	let notModified = 0;
	const deadline = performance.now() + opts.seconds * 1000;
	const before = loadavg()[0]!;

	const hit = (viewer: number, path: string, headers: Record<string, string>) =>
		new Promise<{ status: number; etag?: string; ms: number; start: number }>((resolve) => {
			const start = performance.now();
			const req = request({ host: target.hostname, port: target.port, path, agent, headers }, (res) => {
				res.on('data', () => undefined);
				res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, ms: performance.now() - start, start }));
			});
			req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
			req.on('error', (e) => {
				if (errorSamples.length < 5) errorSamples.push(`viewer ${viewer}: ${e.message} ${path}`);
				resolve({ status: 0, ms: performance.now() - start, start });
			});
			req.end();
		});

	const viewer = async (i: number) => {
		const rnd = mulberry32(1000 + i);
		const etags = new Map<string, string>();
		// Arrivals spread over the first think interval, not all at the same instant.
		await new Promise((r) => setTimeout(r, rnd() * THINK_MAX_MS));
		for (let n = 0; performance.now() < deadline; n++) {
			const page = opts.pages[Math.floor(rnd() * opts.pages.length)]!;
			const uncached = rnd() < UNCACHED_SHARE;
			const qs = uncached ? uncachedQuery(opts.dataDays.first, opts.dataDays.last, rnd) : '';
			const path = n === 0 ? `${page}${qs ? `?${qs}` : ''}` : `${dataPath(page)}?${qs ? `${qs}&` : ''}x-sveltekit-invalidated=01`;
			const held = etags.get(path);
			const r = await hit(i, path, { ...opts.headersFor(i), ...(held ? { 'if-none-match': held } : {}) });
			if (r.etag) etags.set(path, r.etag);
			if (r.status === 304) notModified++;
			if (r.status !== 200 && r.status !== 304) {
				errors++;
				errorsByPage.set(page, (errorsByPage.get(page) ?? 0) + 1);
				if (r.status !== 0 && errorSamples.length < 5) errorSamples.push(`${r.status} ${path}`);
			}
			views.push({ viewer: i, kind: uncached ? 'uncached' : 'default', page, path, start: r.start, ms: r.ms, status: r.status });
			await new Promise((r) => setTimeout(r, THINK_MIN_MS + rnd() * (THINK_MAX_MS - THINK_MIN_MS)));
		}
	};

	opts.log(`Think-time test: ${opts.viewers} viewers × ${opts.seconds} s, 2–10 s between pages, 20 % uncached periods`);
	const started = performance.now();
	await Promise.all(Array.from({ length: opts.viewers }, (_, i) => viewer(i)));
	agent.destroy();
	const ok = views.filter((v) => v.status === 200 || v.status === 304);
	const defaults = ok.filter((v) => v.kind === 'default');
	const uncached = ok.filter((v) => v.kind === 'uncached');
	const overlaps = (d: ThinkView) => uncached.some((u) => u.viewer !== d.viewer && u.start < d.start + d.ms && d.start < u.start + u.ms);
	const beside = defaults.filter(overlaps);
	const alone = defaults.filter((d) => !overlaps(d));
	const result: ThinkResult = {
		viewers: opts.viewers,
		seconds: (performance.now() - started) / 1000,
		navigations: views.length,
		errors,
		errorSamples,
		default: latency(defaults.map((v) => v.ms)),
		uncached: latency(uncached.map((v) => v.ms)),
		defaultBesideUncached: latency(beside.map((v) => v.ms)),
		defaultAlone: latency(alone.map((v) => v.ms)),
		slowedDefaults: beside.filter((v) => v.ms > DEFAULT_TARGET_MS).length,
		notModified,
		loadAvg: { before, after: loadavg()[0]! },
		pages: opts.pages,
		byPage: opts.pages
			.map((page) => ({
				page,
				default: latency(defaults.filter((v) => v.page === page).map((v) => v.ms)),
				uncached: latency(uncached.filter((v) => v.page === page).map((v) => v.ms)),
				errors: errorsByPage.get(page) ?? 0
			}))
			.sort((a, b) => Math.max(b.default.p95Ms || 0, b.uncached.p95Ms || 0) - Math.max(a.default.p95Ms || 0, a.uncached.p95Ms || 0))
	};
	const f = (l: Latency) => `${l.n} × p50 ${l.p50Ms.toFixed(0)} ms, p95 ${l.p95Ms.toFixed(0)} ms, max ${l.maxMs.toFixed(0)} ms`;
	opts.log(`  default views: ${f(result.default)} (alone ${f(result.defaultAlone)}; beside another's uncached view ${f(result.defaultBesideUncached)})`);
	opts.log(`  uncached views: ${f(result.uncached)}; ${errors} errors; ${notModified} answered 304; load average ${before.toFixed(1)} → ${result.loadAvg.after.toFixed(1)}`);
	for (const p of result.byPage!.slice(0, 5)) opts.log(`    ${p.page}: default ${f(p.default)}; uncached ${f(p.uncached)}; ${p.errors} errors`);
	return result;
}
