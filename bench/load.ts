import { Agent, request } from 'node:http';
import { dataPath } from './pages.js';
import type { RunningServer } from './server.js';
import { percentile } from './stats.js';

export interface LoadResult {
	viewers: number;
	seconds: number;
	requests: number;
	errors: number;
	errorSamples: string[];
	throughputPerS: number;
	p50Ms: number;
	p95Ms: number;
	p99Ms: number;
	maxMs: number;
	/** Highest RSS of the server's whole life (VmHWM), start-up warm-up included: what the machine must hold. */
	serverRssPeakBytes: number;
	/** Highest RSS sampled (every 250 ms) while the viewers browsed. */
	serverRssPeakDuringTestBytes?: number;
	serverRssAfterBytes: number;
	pages: string[];
	/** Latency per path (page HTML and its __data.json), to see which ones queue. */
	byPath?: { path: string; requests: number; p50Ms: number; p95Ms: number; maxMs: number }[];
}

/**
 * `viewers` simulated people browse the pages for `seconds`: each opens a page
 * (HTML), then navigates client-side to the next one (its __data.json), with no
 * think time, so the figure is the server's capacity rather than a traffic model.
 * Keep-alive connections, one per viewer, as a browser would hold.
 */
export async function loadTest(server: RunningServer, pages: string[], viewers: number, seconds: number, log: (s: string) => void): Promise<LoadResult> {
	const agent = new Agent({ keepAlive: true, maxSockets: viewers });
	const target = new URL(server.url);
	const latencies: number[] = [];
	const perPath = new Map<string, number[]>();
	const errorSamples: string[] = [];
	let errors = 0;
	let networkErrors = 0;
	let peak = 0;
	const sampler = setInterval(() => (peak = Math.max(peak, server.memory().rss || 0)), 250);
	const deadline = performance.now() + seconds * 1000;

	const hit = (path: string) =>
		new Promise<void>((resolve) => {
			const start = performance.now();
			const req = request(
				{ host: target.hostname, port: target.port, path, agent, headers: { cookie: server.cookie } },
				(res) => {
					res.on('data', () => undefined);
					res.on('end', () => {
						const took = performance.now() - start;
						latencies.push(took);
						perPath.set(path, [...(perPath.get(path) ?? []), took]);
						// A redirect (to the login page) is not a page view either.
						if ((res.statusCode ?? 0) >= 300) {
							errors++;
							if (errorSamples.length < 5) errorSamples.push(`${res.statusCode} ${path}`);
						}
						resolve();
					});
				}
			);
			req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
			req.on('error', (e) => {
				errors++;
				networkErrors++;
				if (errorSamples.length < 5) errorSamples.push(`${e.message} ${path}`);
				resolve();
			});
			req.end();
		});

	const viewer = async (i: number) => {
		let n = i;
		while (performance.now() < deadline) {
			const page = pages[n % pages.length]!;
			const next = pages[(n + 1) % pages.length]!;
			await hit(page);
			if (performance.now() >= deadline) break;
			await hit(dataPath(next));
			n += 2;
		}
	};
	log(`Load test: ${viewers} viewers × ${seconds} s over ${pages.length} pages`);
	const started = performance.now();
	await Promise.all(Array.from({ length: viewers }, (_, i) => viewer(i)));
	const elapsed = (performance.now() - started) / 1000;
	clearInterval(sampler);
	agent.destroy();
	const result: LoadResult = {
		viewers,
		seconds: elapsed,
		requests: latencies.length + networkErrors,
		errors,
		errorSamples,
		throughputPerS: latencies.length / elapsed,
		p50Ms: percentile(latencies, 50),
		p95Ms: percentile(latencies, 95),
		p99Ms: percentile(latencies, 99),
		maxMs: percentile(latencies, 100),
		serverRssPeakBytes: Math.max(peak, server.memory().peak || 0),
		serverRssPeakDuringTestBytes: peak,
		serverRssAfterBytes: server.memory().rss,
		pages,
		byPath: [...perPath]
			.map(([path, l]) => ({ path, requests: l.length, p50Ms: percentile(l, 50), p95Ms: percentile(l, 95), maxMs: percentile(l, 100) }))
			.sort((a, b) => b.p95Ms - a.p95Ms)
	};
	for (const p of result.byPath ?? []) log(`    ${p.path}: ${p.requests} × p50 ${p.p50Ms.toFixed(0)} ms, p95 ${p.p95Ms.toFixed(0)} ms, max ${p.maxMs.toFixed(0)} ms`);
	log(`  server RSS peak during the test ${(peak / 2 ** 20).toFixed(0)} MiB; lifetime peak (start-up warm-up included) ${(result.serverRssPeakBytes / 2 ** 20).toFixed(0)} MiB`);
	log(`  ${result.requests} requests, ${result.throughputPerS.toFixed(1)}/s, p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${errors} errors`);
	return result;
}
