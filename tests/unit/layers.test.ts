import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const INGEST = join(ROOT, 'ingest');

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const path = join(dir, e.name);
		if (e.isDirectory()) return sourceFiles(path);
		return /\.(ts|js|svelte)$/.test(e.name) ? [path] : [];
	});
}

/** Every module specifier of a file: static imports, re-exports and dynamic import() of a literal. */
function specifiers(text: string): string[] {
	return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The files of `dir` that reach into ingest/, by relative path or by the $ingest alias. */
function importersOfIngest(dir: string): string[] {
	return sourceFiles(join(ROOT, dir)).flatMap((file) =>
		specifiers(readFileSync(file, 'utf8'))
			.filter((s) => s === '$ingest' || s.startsWith('$ingest/') || (s.startsWith('.') && resolve(dirname(file), s).startsWith(INGEST + '/')))
			.map((s) => `${relative(ROOT, file)} imports ${s}`)
	);
}

describe('layers', () => {
	it('src/lib never imports ingest/: the warehouse, metrics, auth and pages sit below it', () => {
		expect(importersOfIngest('src/lib')).toEqual([]);
	});

	it('routes reach ingest/ through the $ingest alias, never by ../../ paths', () => {
		const relativeImports = sourceFiles(join(ROOT, 'src/routes')).flatMap((file) =>
			specifiers(readFileSync(file, 'utf8'))
				.filter((s) => s.startsWith('.') && resolve(dirname(file), s).startsWith(INGEST + '/'))
				.map((s) => `${relative(ROOT, file)} imports ${s}`)
		);
		expect(relativeImports).toEqual([]);
	});

	it('the metric engine never imports the page adapters above it', () => {
		const PAGES = join(ROOT, 'src/lib/server/pages');
		const upward = sourceFiles(join(ROOT, 'src/lib/server/metrics')).flatMap((file) =>
			specifiers(readFileSync(file, 'utf8'))
				.filter((s) => s.startsWith('.') && resolve(dirname(file), s).startsWith(PAGES + '/'))
				.map((s) => `${relative(ROOT, file)} imports ${s}`)
		);
		expect(upward).toEqual([]);
		// The rule has something to hold: pages do build on the engine.
		expect(sourceFiles(PAGES).some((f) => specifiers(readFileSync(f, 'utf8')).some((s) => s.startsWith('../metrics/')))).toBe(true);
	});

	it('what pages read from the source tables sits in one per-data-version cache, with one memory bound', () => {
		// Caches on another version (the Ingest page's bookkeeping, the audit log) are not answers about the source tables.
		const instances = sourceFiles(join(ROOT, 'src/lib/server')).filter((f) => /version:\s*sourceDataVersion\b/.test(readFileSync(f, 'utf8')));
		expect(instances.map((f) => relative(ROOT, f))).toEqual(['src/lib/server/pages/page-cache.ts']);
	});

	it('the scan sees the imports it is meant to catch', () => {
		// Without this, a specifier regex that matched nothing would pass the tests above.
		expect(importersOfIngest('src/routes').length).toBeGreaterThan(0);
		expect(importersOfIngest('src/cli').some((s) => s.includes('../../../ingest/index.js'))).toBe(true);
	});
});
