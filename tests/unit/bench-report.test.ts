import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load.js';
import type { Machine } from '../../bench/machine.js';
import { savePhase, writeReport, type GenerateResult, type IngestRecord } from '../../bench/report.js';
import type { BenchPaths } from '../../bench/paths.js';
import { DEFAULT_WAREHOUSE_MEMORY_MB as CAP } from '../../src/lib/server/config.js';

const machine: Machine = { date: '2026-12-08T01:00:00.000Z', cpus: 2, cpuModel: 'test', ramBytes: 2 ** 34, node: 'v20.20.2', commit: 'abc1234', loadAvg1: 7.25 };

function tempPaths(): BenchPaths {
	const out = mkdtempSync(join(tmpdir(), 'loopmeter-bench-report-'));
	// The report is written into the temporary folder, never over bench/results.md.
	return { out, data: join(out, 'data'), results: out, report: join(out, 'results.md') };
}

function targetRow(report: string, target: string): string {
	const line = report.split('\n').find((l) => l.startsWith(`| ${target} |`));
	if (!line) throw new Error(`no targets row "${target}" in:\n${report}`);
	return line;
}

const load = (throughputPerS: number): LoadResult => ({
	viewers: 50,
	seconds: 60,
	requests: Math.round(throughputPerS * 60),
	errors: 0,
	errorSamples: [],
	throughputPerS,
	p50Ms: 10,
	p95Ms: 20,
	p99Ms: 30,
	maxMs: 40,
	serverRssPeakBytes: 2 ** 29,
	serverRssAfterBytes: 2 ** 28,
	pages: ['/']
});

const generated = (over: Partial<GenerateResult>): GenerateResult => ({ scale: 'small', seconds: 30, source: 'test', rows: {}, dayTables: [], dayTablesSeconds: 12, ...over });

describe('bench targets table', () => {
	it('misses the capacity target below 150 warm pages/s and states scale and load average', () => {
		const paths = tempPaths();
		savePhase(paths, { phase: 'load', machine, scale: 'large', data: load(64) });
		const r = targetRow(writeReport(paths), 'capacity (no think time), warm pages');
		expect(r).toContain('64.0/s with 50 viewers (scale large, load average 7.3 on 2 cores)');
		expect(r).toContain('**missed**');
		savePhase(paths, { phase: 'load', machine, scale: 'large', data: load(151) });
		expect(targetRow(writeReport(paths), 'capacity (no think time), warm pages')).toMatch(/\| met \|$/);
	});

	it('day tables within memory: met only when every table built under a cap; failures named', () => {
		const paths = tempPaths();
		savePhase(paths, { phase: 'generate', machine, scale: 'large', data: generated({ memoryCapMb: CAP, dayTableFailures: ['slop_novelty_daily: memory limit (total) exceeded | 1.25 GiB'] }) });
		const failed = targetRow(writeReport(paths), 'day tables build within memory');
		expect(failed).toContain(`under ${CAP} MiB cap; 1 failed: slop_novelty_daily: memory limit (total) exceeded \\| 1.25 GiB`);
		expect(failed).toContain('**missed**');

		savePhase(paths, { phase: 'generate', machine, scale: 'large', data: generated({ memoryCapMb: 0, dayTableFailures: [] }) });
		// Built with the cap lifted proves nothing about the default cap.
		expect(targetRow(writeReport(paths), 'day tables build within memory')).toContain('no memory cap (0)');
		expect(targetRow(writeReport(paths), 'day tables build within memory')).toContain('**missed**');

		savePhase(paths, { phase: 'generate', machine, scale: 'large', data: generated({ memoryCapMb: CAP, dayTableFailures: [] }) });
		const report = writeReport(paths);
		expect(targetRow(report, 'day tables build within memory')).toMatch(/\| met \|$/);
		expect(readFileSync(paths.report, 'utf8')).toBe(report);
	});

	it('an old generate record without the cap says so and is not counted as met', () => {
		const paths = tempPaths();
		writeFileSync(join(paths.results, 'generate.json'), JSON.stringify({ phase: 'generate', machine, data: generated({}) }));
		expect(targetRow(writeReport(paths), 'day tables build within memory')).toContain('memory cap not recorded');
		expect(targetRow(writeReport(paths), 'day tables build within memory')).toContain('**missed**');
	});

	it('one ingest row per format: the median wall ratio against its target, CPU, RSS and load beside it', () => {
		const paths = tempPaths();
		const data: IngestRecord = {
			markdown: 'ingest figures',
			formats: [
				{ format: 'NDJSON', wallRatio: 0.61, ratios: [0.55, 0.61, 0.7], target: 0.6, cpuRatio: 0.44, peakRssMb: 780, loads: ['1.00 1.00 1.00'], rows: 1_000_000 },
				{ format: 'CSV', wallRatio: 0.42, ratios: [0.42], target: 0.35, cpuRatio: 0.34, peakRssMb: 1100, loads: ['2.00 2.00 2.00'], rows: 1_000_000 },
				{ format: 'Parquet', wallRatio: 0.4, ratios: [0.4], target: 0.5, cpuRatio: 0.42, peakRssMb: 800, loads: ['3.00 3.00 3.00'], rows: 1_000_000 }
			]
		};
		savePhase(paths, { phase: 'ingest', machine, scale: 'small', data });
		const report = writeReport(paths);
		const ndjson = targetRow(report, 'ingest NDJSON vs bare native load (wall)');
		expect(ndjson).toContain('61 % (median of 3 runs 55 %, 61 %, 70 %; CPU 44 %; 1,000,000 rows; peak RSS 780 MiB; load average 1.00 1.00 1.00)');
		expect(ndjson).toMatch(/\| met \|$/);
		// Over the ratio, but a load over 1 GiB misses the target all the same.
		expect(targetRow(report, 'ingest CSV vs bare native load (wall)')).toContain('**missed**');
		expect(targetRow(report, 'ingest Parquet vs bare native load (wall)')).toContain('**missed**');
	});
});
