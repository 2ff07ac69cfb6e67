import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { projectRoot } from '../src/lib/server/project-root.js';
import type { RunningServer } from './server.js';
import { percentile, timed } from './stats.js';

/**
 * Every page a viewer can open without parameters: each `+page.svelte` under
 * src/routes outside dynamic segments (`[id]`), with route groups `(name)` removed.
 */
export function discoverPages(): string[] {
	const routes = join(projectRoot(), 'src', 'routes');
	const pages: string[] = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const p = join(dir, name);
			if (statSync(p).isDirectory()) {
				if (!name.includes('[') && name !== 'api') walk(p);
			} else if (name === '+page.svelte') {
				const segments = relative(routes, dir).split(sep).filter((s) => s && !/^\(.*\)$/.test(s));
				pages.push('/' + segments.join('/'));
			}
		}
	};
	if (existsSync(routes)) walk(routes);
	// Signing in and out are not dashboard pages (and /logout would end the session).
	return pages.filter((p) => !/^\/(login|logout)(\/|$)/.test(p)).sort();
}

const SLOW_PAGE_MS = 10_000;

export const dataPath = (page: string) => `${page === '/' ? '' : page}/__data.json`;

export interface PageTiming {
	page: string;
	status: number;
	/** Server time to the last byte of the HTML (SSR, including streamed panels). */
	htmlP50Ms: number;
	htmlP95Ms: number;
	/** Server time to the last byte of __data.json (what a client-side navigation loads). */
	dataP50Ms: number;
	dataP95Ms: number;
	htmlBytes: number;
	/** Headless Chromium: navigation start to network idle, first visit (empty cache) and later visits. */
	browserColdMs?: number;
	browserWarmMs?: number;
	browserError?: string;
}

export interface PagesResult {
	repeats: number;
	pages: PageTiming[];
}

const PAGE_TIMEOUT_MS = 120_000;

/** Status 0 = no complete response within PAGE_TIMEOUT_MS. */
async function get(url: string, cookie: string): Promise<{ status: number; bytes: number }> {
	try {
		const res = await fetch(url, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(PAGE_TIMEOUT_MS) });
		const body = await res.arrayBuffer();
		return { status: res.status, bytes: body.byteLength };
	} catch {
		return { status: 0, bytes: 0 };
	}
}

export async function benchPages(server: RunningServer, repeats: number, log: (s: string) => void, save?: (partial: PagesResult) => void): Promise<PagesResult> {
	const pages = discoverPages();
	const out: PageTiming[] = [];
	for (const page of pages) {
		// The first render fills caches (cold query times are in the queries section).
		// A page that takes longer than SLOW_PAGE_MS is far outside the target:
		// one more measured request says by how much.
		const first = await timed(() => get(server.url + page, server.cookie));
		const html: number[] = [];
		const data: number[] = [];
		let status = first.value.status;
		let htmlBytes = first.value.bytes;
		const n = first.ms > SLOW_PAGE_MS ? 1 : repeats;
		for (let i = 0; i < n; i++) {
			const h = await timed(() => get(server.url + page, server.cookie));
			html.push(h.ms);
			status = h.value.status;
			htmlBytes = h.value.bytes;
			data.push((await timed(() => get(server.url + dataPath(page), server.cookie))).ms);
		}
		const t: PageTiming = {
			page,
			status,
			htmlBytes,
			htmlP50Ms: percentile(html, 50),
			htmlP95Ms: percentile(html, 95),
			dataP50Ms: percentile(data, 50),
			dataP95Ms: percentile(data, 95)
		};
		out.push(t);
		save?.({ repeats, pages: out });
		log(`  ${page.padEnd(24)} HTTP ${status}  html p50 ${t.htmlP50Ms.toFixed(1)} ms  __data.json p50 ${t.dataP50Ms.toFixed(1)} ms`);
	}
	await browserLoads(server, out, log);
	return { repeats, pages: out };
}

/** Full page loads in Debian's Chromium through playwright-core (no browser download). */
async function browserLoads(server: RunningServer, timings: PageTiming[], log: (s: string) => void): Promise<void> {
	let chromium: typeof import('playwright-core').chromium;
	try {
		({ chromium } = await import('playwright-core'));
	} catch (e) {
		for (const t of timings) t.browserError = `playwright-core unavailable: ${(e as Error).message}`;
		return;
	}
	if (!existsSync('/usr/bin/chromium')) {
		for (const t of timings) t.browserError = 'no /usr/bin/chromium (apt-get install -y chromium)';
		log('  Chromium missing: apt-get install -y chromium');
		return;
	}
	const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
	try {
		for (const t of timings) {
			const context = await browser.newContext();
			try {
				const page = await context.newPage();
				const visits: number[] = [];
				const slow = t.htmlP50Ms > SLOW_PAGE_MS;
				for (let i = 0; i < (slow ? 1 : 3); i++) {
					const start = performance.now();
					await page.goto(server.url + t.page, { waitUntil: 'networkidle', timeout: 180_000 });
					visits.push(performance.now() - start);
				}
				t.browserColdMs = visits[0];
				t.browserWarmMs = visits.length > 1 ? percentile(visits.slice(1), 50) : undefined;
				log(`  ${t.page.padEnd(24)} Chromium first visit ${t.browserColdMs!.toFixed(0)} ms${t.browserWarmMs !== undefined ? `, later ${t.browserWarmMs.toFixed(0)} ms` : ''}`);
			} catch (e) {
				t.browserError = (e as Error).message.split('\n')[0]!;
				log(`  ${t.page.padEnd(24)} Chromium FAILED: ${t.browserError}`);
			} finally {
				await context.close();
			}
		}
	} finally {
		await browser.close();
	}
}
